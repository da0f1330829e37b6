package io.shm4j.bench.workload;

import io.shm4j.bench.BenchOptions;
import io.shm4j.bench.Measurement;
import java.util.List;

/** One workload of the benchmark with its Java strategies. */
public interface Workload {
    /** A, B, C, D or E. */
    String name();

    /** How many runs (warm-up included) {@link #run} makes, for the progress bar. */
    int plannedRuns(BenchOptions options);

    /**
     * Runs every strategy; a strategy that fails yields one measurement whose check says why,
     * and the others still run.
     */
    List<Measurement> run(RunContext context);

    /** The workload of a name. */
    static Workload of(String name) {
        return switch (name) {
            case "A" -> new ArraySum();
            case "B" -> new RowOuter();
            case "C" -> new Records(false);
            case "D" -> new Records(true);
            case "E" -> new io.shm4j.bench.workload.serve.ServeWorkload();
            default -> throw new IllegalArgumentException("unknown workload: " + name + "; choose A, B, C, D, E or all");
        };
    }
}
