package io.shm4j.bench.pool;

import io.shm4j.pool.Backend;
import io.shm4j.pool.WorkerPool;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * Pool start time and empty-task round trips through N workers, processes and threads side by
 * side. A plain program rather than JMH: what is measured is other processes.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... io.shm4j.bench.pool.PoolBench [workers] [tasks] [rounds]
 * </pre>
 * Defaults: 2 workers, 200,000 tasks, 5 rounds. Prints medians (and min..max) per measure.
 */
public final class PoolBench {
    private PoolBench() {}

    /**
     * Runs the benchmark.
     *
     * @param args workers, tasks per round, rounds
     * @throws Exception if a pool fails
     */
    public static void main(String[] args) throws Exception {
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        System.out.printf(Locale.ROOT, "pool benchmark: workers=%d, tasks=%d, rounds=%d, cpus=%d%n",
                workers, tasks, rounds, Runtime.getRuntime().availableProcessors());
        startTime(workers, rounds);
        for (Backend backend : Backend.values()) {
            throughput(backend, workers, tasks, rounds);
        }
    }

    private static void startTime(int workers, int rounds) throws Exception {
        double[] start = new double[rounds];
        double[] firstTask = new double[rounds];
        double[] close = new double[rounds];
        for (int r = 0; r < rounds + 1; r++) { // the first round may record the class-data archive
            long t0 = System.nanoTime();
            WorkerPool pool = WorkerPool.builder().workers(workers).progressBar(false).build();
            long t1 = System.nanoTime();
            pool.submit(ctx -> 1).get();
            long t2 = System.nanoTime();
            pool.close();
            long t3 = System.nanoTime();
            if (r > 0) {
                start[r - 1] = (t1 - t0) / 1e6;
                firstTask[r - 1] = (t2 - t1) / 1e6;
                close[r - 1] = (t3 - t2) / 1e6;
            }
        }
        report("processes: pool start (ms)", start);
        report("processes: first task round trip (ms)", firstTask);
        report("processes: close (ms)", close);
    }

    private static void throughput(Backend backend, int workers, int tasks, int rounds) {
        List<Integer> items = IntStream.range(0, tasks).boxed().toList();
        double[] map = new double[rounds];
        double[] imap = new double[rounds];
        double[] submit = new double[rounds];
        int submits = Math.max(1, tasks / 10);
        try (WorkerPool pool = WorkerPool.builder().backend(backend).workers(workers).progressBar(false).build()) {
            pool.map(x -> x, items.subList(0, Math.min(tasks, 20_000))); // warm-up
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                pool.map(x -> x, items);
                long t1 = System.nanoTime();
                long n = pool.imap((Integer x) -> x, items).count();
                long t2 = System.nanoTime();
                List<CompletableFuture<Integer>> fs = new ArrayList<>(submits);
                for (int i = 0; i < submits; i++) {
                    fs.add(pool.submit(ctx -> 1));
                }
                fs.forEach(CompletableFuture::join);
                long t3 = System.nanoTime();
                map[r] = tasks / ((t1 - t0) / 1e9);
                imap[r] = n / ((t2 - t1) / 1e9);
                submit[r] = submits / ((t3 - t2) / 1e9);
            }
        }
        String b = backend.name().toLowerCase(Locale.ROOT);
        report(b + ": map, empty task (tasks/s)", map);
        report(b + ": imap, empty task (tasks/s)", imap);
        report(b + ": submit, empty lambda (tasks/s)", submit);
    }

    private static void report(String what, double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        System.out.printf(Locale.ROOT, "%-42s median %,12.1f   (min %,.1f .. max %,.1f)%n", what,
                v[v.length / 2], v[0], v[v.length - 1]);
    }
}
