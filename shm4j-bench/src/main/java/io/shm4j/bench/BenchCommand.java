package io.shm4j.bench;

import io.shm4j.cli.Subcommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shm4j bench}: every strategy for sharing data with workers, Java and Python, on
 * workloads A–D; a table on the terminal, results.csv, results.json and a PNG chart per
 * workload. Exit status 0 when every answer was right, 1 otherwise, 2 on bad usage.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark every strategy for sharing data with worker processes, Java and Python, side by side.",
            "Workloads: A sum of a float64 array (1.5 GB x size) in 2 and 8 tasks; B 50 row tasks with 40 MB results;"
                    + " C 10M records, nansum in every worker, worker memory; D the same records as an Arrow frame;"
                    + " E (only when named) an HTTP top-k service of N workers over a live dataset (1M x 64 float32 x"
                    + " size) under updates.",
            "Each figure is the median of --reps runs after --warmup runs; pool start and data creation are"
                    + " reported apart."})
public final class BenchCommand implements Callable<Integer>, Subcommand {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--workload", defaultValue = "all", paramLabel = "A|B|C|D|E|all",
            description = "workload(s): A, B, C, D, E, a comma list, or all = A-D (default: all)")
    String workload;

    @Option(names = "--size", paramLabel = "F|BYTES",
            description = "size factor (1 = A 1.5 GB, B 1000x5000, C/D 10M records; same as bench.py --size), or A's"
                    + " size with a unit (200MB, 1.5GB); default: what fits this machine, at most 1")
    String size;

    @Option(names = "--workers", paramLabel = "N", description = "workers per pool (default: available processors)")
    Integer workers;

    @Option(names = "--reps", defaultValue = "5", paramLabel = "N", description = "timed runs per strategy (default: 5)")
    int reps;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "N",
            description = "untimed runs before them (default: 1)")
    int warmup;

    @Option(names = "--python", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "also run the Python strategies (shm4j-bench/python/bench.py; default: yes)")
    boolean python;

    @Option(names = "--out", defaultValue = "bench-results", paramLabel = "DIR",
            description = "where results.csv, results.json and the charts go (default: ./bench-results)")
    Path out;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true", hidden = true,
            description = "draw a progress bar when stderr is a terminal (default: yes)")
    boolean progress;

    @Override
    public Integer call() throws Exception {
        BenchOptions options = options();
        if (Relaunch.needed()) {
            return Relaunch.run(spec.root().commandLine().getParseResult().originalArgs(),
                    Relaunch.benchHeap(options.factor()));
        }
        java.io.PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "shm4j bench: workloads %s, size factor %s, %d workers, %d reps (+%d warm-up), python %s%n",
                options.workloads(), SizeFactor.format(options.factor()), options.workers(), options.reps(),
                options.warmup(), options.python() ? "on" : "off");
        w.flush();
        Report report = new BenchRunner(options, w).run();
        return report.results().stream().allMatch(Measurement::ok) ? 0 : 1;
    }

    /** The options, validated; a usage error (exit 2) otherwise. */
    BenchOptions options() {
        List<String> ws = new ArrayList<>();
        for (String part : workload.split(",")) {
            String p = part.strip().toUpperCase(Locale.ROOT);
            if (p.equals("ALL")) {
                ws.addAll(List.of("A", "B", "C", "D"));
            } else if (List.of("A", "B", "C", "D", "E").contains(p)) {
                ws.add(p);
            } else {
                throw usage("unknown workload '" + part.strip() + "': choose A, B, C, D, E, a comma list, or all");
            }
        }
        List<String> ordered = List.of("A", "B", "C", "D", "E").stream().filter(ws::contains).toList();
        double factor;
        try {
            factor = size == null ? SizeFactor.defaultFor(io.shm4j.Settings.shmDirectory()) : SizeFactor.parse(size);
        } catch (IllegalArgumentException e) {
            throw usage("--size: " + e.getMessage());
        }
        int n = workers == null ? Runtime.getRuntime().availableProcessors() : workers;
        if (n < 1 || n > 256) {
            throw usage("--workers must be between 1 and 256: workers=" + n);
        }
        if (reps < 1 || reps > 1000) {
            throw usage("--reps must be between 1 and 1000: reps=" + reps);
        }
        if (warmup < 0 || warmup > 100) {
            throw usage("--warmup must be between 0 and 100: warmup=" + warmup);
        }
        return new BenchOptions(ordered, factor, n, reps, warmup, python, out, progress);
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
