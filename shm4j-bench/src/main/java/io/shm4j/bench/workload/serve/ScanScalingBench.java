package io.shm4j.bench.workload.serve;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;

/**
 * What workload E's throughput target can reach on this machine: the top-k scan of workload E
 * ({@link Embeddings#topK}) over one shared {@code rows × 64} float32 matrix, by one thread and
 * by two threads at once in one process, rounds interleaved (1, 2, 1, 2, ...), medians. If two
 * threads get less than 1.8× the scans per second of one, workload E's "×2 ≥ 0.9 × 2 × one
 * worker" is bounded by the machine (memory bandwidth, or two vCPUs that share a core), not by
 * the service. Each scan's thread CPU time is measured too: a scan that takes more CPU when
 * another runs beside it is slowed by a shared resource, one that takes the same CPU but more
 * wall time waited for a core.
 *
 * <p>Usage: {@code ScanScalingBench [--size F] [--rounds N] [--scans N] [--dir DIR]}; the matrix
 * is a scoped segment in {@code DIR} (default: the shm directory in force), touched once before
 * the first round. Single-threaded driver; leaves nothing behind.
 */
public final class ScanScalingBench {
    private ScanScalingBench() {}

    public static void main(String[] args) throws Exception {
        double factor = 1;
        int rounds = 7;
        int scans = 10;
        Path dir = null;
        int[] batches = {0};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> factor = Double.parseDouble(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--scans" -> scans = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--batch" -> batches = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]
                        + "; usage: [--size F] [--rounds N] [--scans N] [--dir DIR] [--batch B,B...]");
            }
        }
        long rows = Embeddings.rows(factor);
        ShmDirectory d = dir == null ? ShmDirectory.current() : ShmDirectory.of(dir);
        float[] m = Embeddings.matrix(1, rows);
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults().in(d), DType.FLOAT32,
                new long[] {rows, Embeddings.DIM}, m)) {
            m = null;
            MemorySegment data = a.data();
            System.out.printf(Locale.ROOT, "scan scaling: %d x %d float32 (%.1f MiB) in %s (%s), %d rounds of %d scans"
                    + " per thread, load %s%n", rows, Embeddings.DIM, ServeBench.matrixMiB(rows), d.path(),
                    ServeBench.mountOf(d.path()), rounds, scans, ServeBench.loadAverage());
            for (int batch : batches) {
                measure(data, rows, rounds, scans, batch);
            }
        }
    }

    /** Rounds of 1 and 2 threads interleaved with one kernel; prints each round and the medians. */
    private static void measure(MemorySegment data, long rows, int rounds, int scans, int batch) throws Exception {
        String kernel = batch == 0 ? "topK (one query per scan)"
                : "topKBatch (" + Embeddings.BATCH.name() + "), " + batch + " queries per scan";
        System.out.println("kernel: " + kernel);
        run(data, rows, 1, 2, batch); // warm-up: JIT and the first touch of every page
        run(data, rows, 2, 2, batch);
        double[] wall1 = new double[rounds];
        double[] wall2 = new double[rounds];
        double[] cpu1 = new double[rounds];
        double[] cpu2 = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            double[] one = run(data, rows, 1, scans, batch);
            double[] two = run(data, rows, 2, scans, batch);
            wall1[r] = one[0];
            cpu1[r] = one[1];
            wall2[r] = two[0];
            cpu2[r] = two[1];
            System.out.printf(Locale.ROOT, "  round %d: 1 thread %.1f queries/s (%.1f ms CPU/query); 2 threads %.1f"
                    + " queries/s (%.1f ms CPU/query): %.2fx  (load %s)%n", r + 1, one[0], one[1], two[0], two[1],
                    two[0] / one[0], ServeBench.loadAverage());
        }
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratio[r] = wall2[r] / wall1[r];
        }
        System.out.printf(Locale.ROOT, "medians (%s): 1 thread %.1f queries/s (%.1f ms CPU per query), 2 threads %.1f"
                + " queries/s (%.1f ms CPU per query); 2 threads / 1 thread = %.2fx queries/s (per round ratio median),"
                + " CPU per query x%.2f; load %s%n", kernel, ServeBench.median(wall1), ServeBench.median(cpu1),
                ServeBench.median(wall2), ServeBench.median(cpu2), ServeBench.median(ratio),
                ServeBench.median(cpu2) / ServeBench.median(cpu1), ServeBench.loadAverage());
    }

    /**
     * {@code threads} threads each answering {@code scans} queries at once, {@code batch} per pass
     * ({@link Embeddings#topKBatch}; 0: {@link Embeddings#topK}, one per pass): {queries per
     * second, thread CPU ms per query}.
     */
    private static double[] run(MemorySegment data, long rows, int threads, int scans, int batch) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        long[] cpu = new long[threads];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int slot = t;
            ts.add(Thread.ofPlatform().name("scan-" + t).start(() -> {
                float[] scores = new float[10];
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                long c0 = mx.getCurrentThreadCpuTime();
                if (batch == 0) {
                    for (int i = 0; i < scans; i++) {
                        Embeddings.topK(data, rows, Embeddings.query(i + slot * 1000), 10, scores);
                    }
                } else {
                    float[][] qs = new float[batch][];
                    float[][] out = new float[batch][10];
                    for (int i = 0; i < scans; i += batch) {
                        for (int b = 0; b < batch; b++) {
                            qs[b] = Embeddings.query(i + b + slot * 1000);
                        }
                        Embeddings.topKBatch(data, rows, qs, 10, out);
                    }
                }
                cpu[slot] = mx.getCurrentThreadCpuTime() - c0;
            }));
        }
        start.await();
        long t0 = System.nanoTime();
        for (Thread t : ts) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long cpuAll = 0;
        for (long c : cpu) {
            cpuAll += c;
        }
        return new double[] {threads * scans / secs, cpuAll / 1e6 / (threads * scans)};
    }
}
