package io.shm4j.bench.workload;

import io.shm4j.bench.BenchOptions;
import io.shm4j.bench.Measurement;
import io.shm4j.bench.Progress;
import io.shm4j.bench.Samples;
import io.shm4j.pool.Backend;
import io.shm4j.pool.WorkerPool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a workload's strategies share: the options, the progress bar, and the way every
 * strategy is timed — warm-up runs, then timed runs, the answer of the last run checked.
 *
 * <p>Not thread-safe: one workload runs at a time.
 */
public final class RunContext {
    private final BenchOptions options;
    private final Progress progress;
    private final String workload;
    private final List<Measurement> results = new ArrayList<>();

    RunContext(BenchOptions options, Progress progress, String workload) {
        this.options = options;
        this.progress = progress;
        this.workload = workload;
    }

    /** A context for one workload. */
    public static RunContext of(BenchOptions options, Progress progress, String workload) {
        return new RunContext(options, progress, workload);
    }

    public BenchOptions options() {
        return options;
    }

    public Progress progress() {
        return progress;
    }

    int workers() {
        return options.workers();
    }

    /** The measurements added so far. */
    List<Measurement> results() {
        return List.copyOf(results);
    }

    /** A body that may throw. */
    @FunctionalInterface
    interface Body<R> {
        R run() throws Exception;
    }

    /** A step that may throw. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /** What was timed: the timed runs and the check of the last answer. */
    record Timed(Samples seconds, String check) {}

    /**
     * Runs {@code before} (untimed), then {@code run} (timed), then {@code dispose} (untimed) —
     * warm-up runs first, then the timed ones; checks the last timed answer before disposing it.
     */
    <R> Timed time(String label, Step before, Body<R> run, Function<R, String> check, Disposer<R> dispose)
            throws Exception {
        progress.message(workload + " " + label);
        Samples s = new Samples();
        String verdict = "no run";
        int total = options.warmup() + options.reps();
        for (int i = 0; i < total; i++) {
            before.run();
            long t0 = System.nanoTime();
            R r = run.run();
            double seconds = (System.nanoTime() - t0) / 1e9;
            try {
                if (i >= options.warmup()) {
                    s.add(seconds);
                    if (i == total - 1) {
                        verdict = check.apply(r);
                    }
                }
            } finally {
                dispose.dispose(r);
            }
            progress.step();
        }
        return new Timed(s, verdict);
    }

    /** {@link #time(String, Step, Body, Function, Disposer)} with nothing before or after. */
    <R> Timed time(String label, Body<R> run, Function<R, String> check) throws Exception {
        return time(label, () -> { }, run, check, r -> { });
    }

    /** {@link #time(String, Step, Body, Function, Disposer)} with nothing before. */
    <R> Timed time(String label, Body<R> run, Function<R, String> check, Disposer<R> dispose) throws Exception {
        return time(label, () -> { }, run, check, dispose);
    }

    /** Releases what one run returned. */
    @FunctionalInterface
    interface Disposer<R> {
        void dispose(R result) throws Exception;
    }

    /** Adds a measurement. */
    void add(String language, String strategy, String variant, Timed timed, Map<String, Double> setup,
            Map<String, Double> memory, String family) {
        results.add(new Measurement(workload, language, strategy, variant, timed.seconds(), setup, memory,
                timed.check(), family));
    }

    /**
     * Runs one strategy; if it throws, records one measurement whose check names the failure
     * (and says so on the console), so the other strategies still run.
     */
    void strategy(String name, String family, Step body) {
        try {
            body.run();
        } catch (Exception | Error e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            progress.say("shm4j bench: " + workload + "/" + name + " failed: " + why);
            results.add(new Measurement(workload, "java", name, "", new Samples(), Map.of(), Map.of(),
                    "error: " + why, family));
        }
    }

    /** A started pool and how long it took to start. */
    record StartedPool(WorkerPool pool, double seconds) {}

    /** Starts a pool with progress bars off (the benchmark draws its own) and times it. */
    StartedPool startPool(Backend backend) {
        long t0 = System.nanoTime();
        WorkerPool pool = WorkerPool.builder().backend(backend).workers(options.workers()).progressBar(false)
                .build();
        return new StartedPool(pool, (System.nanoTime() - t0) / 1e9);
    }

    /** A setup map from key/value pairs (NaN values left out). */
    static Map<String, Double> setup(Object... keyValues) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            double v = ((Number) keyValues[i + 1]).doubleValue();
            if (!Double.isNaN(v)) {
                m.put((String) keyValues[i], v);
            }
        }
        return m;
    }

    /** Seconds since {@code t0} (a {@link System#nanoTime()}). */
    static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** "ok" when equal, else what differs. */
    static String exact(double got, double expected) {
        return got == expected ? "ok" : "wrong: got=" + got + ", expected=" + expected;
    }
}
