package io.shm4j.bench;

import io.shm4j.bench.workload.RunContext;
import io.shm4j.bench.workload.Workload;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * One {@code shm4j bench} run: the Java strategies of every chosen workload, then the Python
 * strategies (one {@code bench.py} process, so {@code ray.init} happens once), then the table,
 * the targets, results.csv, results.json and a chart per workload.
 *
 * <p>Not thread-safe; one run at a time per JVM (the measurements would disturb each other anyway).
 */
public final class BenchRunner {
    private final BenchOptions options;
    private final PrintWriter out;

    public BenchRunner(BenchOptions options, PrintWriter out) {
        this.options = options;
        this.out = out;
    }

    /**
     * Runs the benchmark and writes its report.
     *
     * @return the report (also printed and written to the options' directory)
     */
    public Report run() throws IOException, InterruptedException {
        List<String> notes = Collections.synchronizedList(new ArrayList<>());
        PythonBench python = null;
        // bench.py runs A-D; workload E starts its own Python workers
        BenchOptions pyOptions = new BenchOptions(options.workloads().stream().filter(w -> !w.equals("E")).toList(),
                options.factor(), options.workers(), options.reps(), options.warmup(), options.python(), options.out(),
                options.progress());
        if (options.python() && !pyOptions.workloads().isEmpty()) {
            String[] why = new String[1];
            Optional<PythonBench> found = PythonBench.find(why);
            if (found.isPresent()) {
                python = found.get();
            } else {
                String note = "python strategies skipped: " + why[0];
                notes.add(note);
                System.err.println("shm4j bench: " + note);
            }
        }
        List<Workload> workloads = options.workloads().stream().map(Workload::of).toList();
        long total = workloads.stream().mapToLong(w -> w.plannedRuns(options)).sum();
        if (python != null) {
            total += python.plannedReps(pyOptions);
        }
        List<Measurement> results = new ArrayList<>();
        try (Progress progress = Progress.create("shm4j bench", total, options.progress())) {
            for (Workload w : workloads) {
                progress.message(w.name() + " java");
                results.addAll(w.run(RunContext.of(options, progress, w.name())));
            }
            if (python != null) {
                System.gc(); // G1 returns the Java strategies' heap to the OS before Python's copies start
                progress.message("python");
                results.addAll(python.run(pyOptions, progress, notes));
            }
        }
        Report report = new Report(results, Machine.describe(options), notes);
        report.print(out);
        List<Path> files = report.write(options.out());
        out.println();
        out.println("wrote " + files.size() + " files to " + options.out().toAbsolutePath() + ": "
                + files.stream().map(p -> p.getFileName().toString()).toList());
        out.flush();
        return report;
    }
}
