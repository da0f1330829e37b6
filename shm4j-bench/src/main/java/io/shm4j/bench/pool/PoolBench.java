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
 * Pool start time, empty-task round trips through N workers (processes and threads side by
 * side), and a stalled worker: one of the workers stopped with {@code SIGSTOP} while 4 MB tasks
 * are submitted with a task timeout. A plain program rather than JMH: what is measured is other
 * processes.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... io.shm4j.bench.pool.PoolBench [workers] [tasks] [rounds] [parts]
 * </pre>
 * Defaults: 2 workers, 200,000 tasks, 5 rounds, parts {@code start,throughput,stall}. Prints
 * medians (and min..max) per measure. It uses only the pool's public API, so the same class runs
 * against another build of the pool (for side-by-side figures, {@code compare-pool.sh}).
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
        List<String> parts = List.of((args.length > 3 ? args[3] : "start,throughput,stall").split(","));
        System.out.printf(Locale.ROOT, "pool benchmark: workers=%d, tasks=%d, rounds=%d, cpus=%d%n",
                workers, tasks, rounds, Runtime.getRuntime().availableProcessors());
        if (parts.contains("start")) {
            startTime(workers, rounds);
        }
        if (parts.contains("throughput")) {
            for (Backend backend : java.util.List.of(Backend.PROCESSES, Backend.THREADS)) {
                throughput(backend, workers, tasks, rounds);
            }
        }
        if (parts.contains("stall")) {
            stall(rounds);
        }
    }

    /** How long the stall scenario waits for a blocked submit before it resumes the stopped worker. */
    private static final long BLOCKED_LIMIT_MS = 10_000;

    /**
     * One of 2 workers stopped with SIGSTOP, then 8 tasks of 4 MB submitted, with a task timeout
     * of 2 s. Measures the slowest submit, when the task sent to the stopped worker fails
     * (target: within timeout + 1 s of its submit), when every other task is done, and when a
     * replacement worker is up. A submit still blocked after 10 s is reported as such; then the
     * worker is resumed (SIGCONT) so that the round can end.
     */
    private static void stall(int rounds) throws Exception {
        double[] submitMax = new double[rounds];
        double[] submitMaxControl = new double[rounds];
        double[] failAfter = new double[rounds];
        double[] allDone = new double[rounds];
        double[] replaced = new double[rounds];
        long timeoutMs = 2000; // fresh JVMs' first tasks take ~1 s on a loaded 2-core machine
        for (int r = 0; r < rounds; r++) {
            try (WorkerPool pool = WorkerPool.builder().workers(2).progressBar(false)
                    .taskTimeout(java.time.Duration.ofMillis(timeoutMs)).build()) {
                for (int attempt = 0; ; attempt++) { // warm, and a known task time
                    try {
                        pool.map(x -> x, IntStream.range(0, 2000).boxed().toList());
                        break;
                    } catch (RuntimeException e) { // a fresh JVM's first task past the timeout on a loaded machine
                        if (attempt == 5) {
                            throw e;
                        }
                    }
                }
                byte[] big = new byte[4 << 20];
                long control = 0; // the same submits with no worker stopped: what serializing 4 MB costs here
                List<CompletableFuture<Integer>> warm = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    long s0 = System.nanoTime();
                    warm.add(pool.submit(ctx -> big.length));
                    control = Math.max(control, System.nanoTime() - s0);
                }
                for (CompletableFuture<Integer> f : warm) {
                    try {
                        f.join();
                    } catch (RuntimeException e) { // past the timeout on a loaded machine: not measured here
                    }
                }
                submitMaxControl[r] = control / 1e6;
                long victim = pool.workerPids().getFirst(); // slot 0: the first task goes there when both are idle
                signal("STOP", victim);
                List<CompletableFuture<Integer>> fs = new java.util.concurrent.CopyOnWriteArrayList<>();
                long[] submitNanos = new long[8];
                long[] failedAt = {-1};
                java.util.concurrent.atomic.AtomicLong inSubmitSince = new java.util.concurrent.atomic.AtomicLong();
                long t0 = System.nanoTime();
                Thread submitter = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < submitNanos.length; i++) {
                        long s0 = System.nanoTime();
                        inSubmitSince.set(s0);
                        CompletableFuture<Integer> f = pool.submit(ctx -> big.length);
                        submitNanos[i] = System.nanoTime() - s0;
                        inSubmitSince.set(0);
                        f.whenComplete((v, e) -> {
                            if (e != null) {
                                synchronized (failedAt) {
                                    failedAt[0] = System.nanoTime();
                                }
                            }
                        });
                        fs.add(f);
                    }
                });
                boolean blocked = false; // one submit in progress for 10 s
                while (submitter.isAlive() && !blocked) {
                    submitter.join(50);
                    long since = inSubmitSince.get();
                    blocked = since != 0 && System.nanoTime() - since > BLOCKED_LIMIT_MS * 1_000_000L;
                }
                if (blocked) {
                    signal("CONT", victim); // the old pool blocks in submit until the worker reads again
                    submitter.join();
                }
                long maxSubmit = Arrays.stream(submitNanos).max().orElse(0);
                submitMax[r] = blocked ? Double.POSITIVE_INFINITY : maxSubmit / 1e6;
                for (CompletableFuture<Integer> f : fs) {
                    try {
                        f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        // the timed-out task
                    }
                }
                allDone[r] = (System.nanoTime() - t0) / 1e6;
                synchronized (failedAt) {
                    failAfter[r] = failedAt[0] < 0 ? Double.NaN : (failedAt[0] - t0) / 1e6;
                }
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline
                        && !(pool.workerPids().size() == 2 && !pool.workerPids().contains(victim))) {
                    Thread.sleep(1);
                }
                replaced[r] = pool.workerPids().contains(victim) ? Double.NaN : (System.nanoTime() - t0) / 1e6;
                signal("CONT", victim); // harmless when it is gone
            }
        }
        report("stall: slowest submit, 4 MB task, no worker stopped (ms)", submitMaxControl);
        report("stall: slowest submit, 4 MB task (ms)", submitMax);
        report("stall: timed-out task failed after (ms)", failAfter);
        report("stall: all 8 tasks done after (ms)", allDone);
        report("stall: stopped worker replaced after (ms)", replaced);
    }

    private static void signal(String name, long pid) throws Exception {
        new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
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

    private static void throughput(Backend backend, int workers, int tasks, int rounds) throws Exception {
        List<Integer> items = IntStream.range(0, tasks).boxed().toList();
        double[] map = new double[rounds];
        double[] imap = new double[rounds];
        double[] submit = new double[rounds];
        double[] mapCpu = new double[rounds];
        double[] imapCpu = new double[rounds];
        double[] submitCpu = new double[rounds];
        int submits = Math.max(1, tasks / 10);
        try (WorkerPool pool = WorkerPool.builder().backend(backend).workers(workers).progressBar(false).build()) {
            pool.map(x -> x, items.subList(0, Math.min(tasks, 20_000))); // warm-up
            List<Long> pids = backend == Backend.PROCESSES ? pool.workerPids() : List.of();
            for (int r = 0; r < rounds; r++) {
                long c0 = cpuNanos(pids);
                long t0 = System.nanoTime();
                pool.map(x -> x, items);
                long t1 = System.nanoTime();
                long c1 = cpuNanos(pids);
                long n = pool.imap((Integer x) -> x, items).count();
                long t2 = System.nanoTime();
                long c2 = cpuNanos(pids);
                List<CompletableFuture<Integer>> fs = new ArrayList<>(submits);
                for (int i = 0; i < submits; i++) {
                    fs.add(pool.submit(ctx -> 1));
                }
                fs.forEach(CompletableFuture::join);
                long t3 = System.nanoTime();
                long c3 = cpuNanos(pids);
                map[r] = tasks / ((t1 - t0) / 1e9);
                imap[r] = n / ((t2 - t1) / 1e9);
                submit[r] = submits / ((t3 - t2) / 1e9);
                mapCpu[r] = (c1 - c0) / 1e3 / tasks;
                imapCpu[r] = (c2 - c1) / 1e3 / n;
                submitCpu[r] = (c3 - c2) / 1e3 / submits;
            }
        }
        String b = backend.name().toLowerCase(Locale.ROOT);
        report(b + ": map, empty task (tasks/s)", map);
        report(b + ": imap, empty task (tasks/s)", imap);
        report(b + ": submit, empty lambda (tasks/s)", submit);
        report(b + ": map, CPU per task (us)", mapCpu);
        report(b + ": imap, CPU per task (us)", imapCpu);
        report(b + ": submit, CPU per task (us)", submitCpu);
    }

    /**
     * CPU time used so far by this JVM and the given worker processes (user + system, from
     * {@code /proc}): on a loaded machine a steadier measure of a round trip's cost than its
     * wall time.
     */
    private static long cpuNanos(List<Long> pids) throws java.io.IOException {
        long ticks = procTicks("self");
        for (long pid : pids) {
            ticks += procTicks(Long.toString(pid));
        }
        return ticks * (1_000_000_000L / TICKS_PER_SECOND);
    }

    private static final long TICKS_PER_SECOND = 100; // USER_HZ, the same on every Linux architecture

    private static long procTicks(String pid) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // the name may hold spaces
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    }

    private static void report(String what, double[] values) {
        double[] v = values.clone();
        Arrays.sort(v); // blocked (+Infinity) and not happened (NaN) sort last
        System.out.printf(Locale.ROOT, "%-42s median %,12.1f   (min %,.1f .. max %,.1f)%n", what,
                v[v.length / 2], v[0], v[v.length - 1]);
    }
}
