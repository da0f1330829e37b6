package io.shm4j.bench.workload.serve;

import io.shm4j.bench.BenchOptions;
import io.shm4j.bench.Measurement;
import io.shm4j.bench.Samples;
import io.shm4j.bench.workload.RunContext;
import io.shm4j.bench.workload.Workload;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Workload E in {@code shm4j bench --workload E}: runs {@link ServeBench} with the bench's size
 * factor (1 = 1 M × 64 float32), workers, reps and Python switch, prints its own table and
 * targets on stdout, and reports one measurement per configuration: the p99 latency of each rep
 * in seconds, the workers' memory, and whether every answer was right.
 *
 * <p>Not thread-safe; one run at a time.
 */
public final class ServeWorkload implements Workload {
    @Override
    public String name() {
        return "E";
    }

    @Override
    public int plannedRuns(BenchOptions options) {
        return (options.reps() + ServeBench.WARMUP_ROUNDS) * (options.workers() > 1 ? 3 : 2) * (options.python() ? 2 : 1);
    }

    @Override
    public List<Measurement> run(RunContext context) {
        BenchOptions b = context.options();
        ServeBench.Options o = ServeBench.of(b.factor(), b.workers(), b.reps(), b.python());
        List<Measurement> out = new ArrayList<>();
        try {
            context.progress().message("E serving");
            for (ServeBench.Summary s : ServeBench.run(o, System.out, c -> context.progress().step())) {
                out.add(measurement(s));
            }
        } catch (IOException | RuntimeException e) {
            out.add(new Measurement("E", "java", "serve", "", new Samples(), Map.of(), Map.of(), "failed: " + e, "shared"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.add(new Measurement("E", "java", "serve", "", new Samples(), Map.of(), Map.of(), "interrupted", "shared"));
        }
        return out;
    }

    private static Measurement measurement(ServeBench.Summary s) {
        ServeRun.Config c = s.config();
        Samples p99 = new Samples();
        List<String> problems = new ArrayList<>();
        for (ServeRun.Result r : s.runs()) {
            p99.add(Math.max(r.p99SteadyMs(), Double.isNaN(r.p99UpdateMs()) ? 0 : r.p99UpdateMs()) / 1e3);
            problems.addAll(r.problems());
            if (r.failed() + r.inconsistent() > 0 && r.problems().isEmpty()) {
                problems.add((r.failed() + r.inconsistent()) + " bad answers");
            }
        }
        Map<String, Double> mem = new LinkedHashMap<>();
        mem.put("pss", round(s.median(ServeRun.Result::pssMiB)));
        mem.put("peak_pss", round(s.median(ServeRun.Result::peakPssMiB)));
        if (c.mode().startsWith("shm")) {
            mem.put("matrix_pss", round(s.median(ServeRun.Result::matrixPssMiB)));
        }
        boolean shared = c.mode().startsWith("shm");
        return new Measurement("E", c.language(), shared ? "shm4j-dataset" : "copy-per-worker",
                "workers=" + c.workers() + ", p99", p99, Map.of(), mem,
                problems.isEmpty() ? "ok" : String.join("; ", problems.subList(0, Math.min(3, problems.size()))),
                shared ? "shared" : "copied");
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
