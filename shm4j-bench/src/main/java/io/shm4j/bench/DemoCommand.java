package io.shm4j.bench;

import io.shm4j.bench.workload.RecordsDemo;
import io.shm4j.cli.Subcommand;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shm4j demo}: the project's point in under a minute. Ten million records (fewer on a
 * small machine) are summed in each of two worker JVMs, once copied to every worker and once
 * shared; the summary says how long each took and how much private memory each worker gained.
 * Exit status 0 when every answer was right, 1 otherwise, 2 on bad usage.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Show, in under a minute, what sharing data with worker processes saves over copying it.")
public final class DemoCommand implements Callable<Integer>, Subcommand {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--workers", defaultValue = "2", paramLabel = "N", description = "worker JVMs (default: 2)")
    int workers;

    @Option(names = "--reps", defaultValue = "3", paramLabel = "N", hidden = true,
            description = "timed runs per mode (default: 3)")
    int reps;

    @Option(names = "--size", paramLabel = "F", hidden = true,
            description = "factor of 10 million records (default: what fits this machine, at most 1)")
    String size;

    @Override
    public Integer call() throws Exception {
        if (workers < 1 || workers > 64) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--workers must be between 1 and 64: workers=" + workers);
        }
        if (reps < 1 || reps > 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--reps must be between 1 and 100: reps=" + reps);
        }
        long records;
        if (size == null) {
            records = RecordsDemo.defaultRecords(SizeFactor.availableMemoryBytes());
        } else {
            try {
                records = Math.max(16, Math.round(10_000_000 * SizeFactor.parse(size)));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--size: " + e.getMessage());
            }
        }
        if (Relaunch.needed()) {
            return Relaunch.run(spec.root().commandLine().getParseResult().originalArgs(),
                    Math.max(1L << 30, records * 600));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "shm4j demo: nansum of %,d records (date, value with NaN, name) in each of %d worker"
                + " JVMs — copied to every worker, then shared.%n", records, workers);
        out.flush();
        RecordsDemo.Result r;
        try (Progress progress = Progress.create("shm4j demo", RecordsDemo.steps(reps), true)) {
            r = RecordsDemo.run(records, workers, reps, progress);
        }
        out.println(summary(r));
        out.flush();
        return r.check().equals("ok") ? 0 : 1;
    }

    /** The plain-language summary. */
    static String summary(RecordsDemo.Result r) {
        double mb = 1.048576; // MiB -> MB
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%n  the records: %,d rows, %.0f MB as an Arrow frame in shared memory%n",
                r.records(), r.frameMiB() * mb));
        s.append(String.format(Locale.ROOT, "  copying: %.3f s and %.0f MB per worker (each worker gets its own copy)%n",
                r.copy().median(), Math.max(0, r.copyMiB() * mb)));
        s.append(String.format(Locale.ROOT, "  sharing: %.3f s and %.0f MB per worker (each worker maps the same"
                + " memory)%n", r.share().median(), Math.max(0, r.shareMiB() * mb)));
        s.append(String.format(Locale.ROOT, "  — sharing is %.0fx faster and saves %.0f MB in each worker.%n",
                r.speedup(), Math.max(0, (r.copyMiB() - r.shareMiB()) * mb)));
        s.append(r.check().equals("ok") ? "  every worker computed the exact answer in both modes."
                : "  WRONG ANSWER: " + r.check());
        s.append(String.format(Locale.ROOT, "%n  (times: median of %d runs after a warm-up; memory: growth of"
                + " Anonymous in /proc/PID/smaps_rollup of each worker; `shm4j bench` compares every strategy.)",
                r.copy().count()));
        return s.toString();
    }
}
