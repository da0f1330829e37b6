package io.shm4j.bench.array;

import io.shm4j.segment.ShmOptions;
import io.shm4j.array.SharedArray;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * Single-thread sum of a large float64 shared array, side by side with the same sum over a heap
 * {@code double[]} and NumPy's {@code a.sum()} on the same segment (a python3 subprocess), nansum
 * against sum, and creating the shared array from a {@code double[]} against a plain memory copy.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xmx5g -cp ... io.shm4j.bench.array.ArraySumBenchmark [bytes] [reps]
 * </pre>
 * Default size 1.5 GB ({@code -Dshm4j.bench.bytes} or the first argument; suffixes k, m, g).
 * Prints one line per measurement (best of {@code reps}, default 7) and the target ratios.
 * Run it on a quiet machine: memory bandwidth is the limit being measured.
 */
public final class ArraySumBenchmark {
    private ArraySumBenchmark() {}

    public static void main(String[] args) throws Exception {
        long bytes = parseBytes(args.length > 0 ? args[0] : System.getProperty("shm4j.bench.bytes", "1.5g"));
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int n = Math.toIntExact(bytes / Double.BYTES);
        System.out.printf(Locale.ROOT, "float64 elements=%d bytes=%d reps=%d%n", n, (long) n * 8, reps);
        double[] heap = new double[n];
        for (int i = 0; i < n; i++) {
            heap[i] = (i % 1000) * 0.25;
        }
        double[] copy = new double[n];
        System.arraycopy(heap, 0, copy, 0, n); // touch every page of the target

        double tCopy = best(reps, () -> {
            System.arraycopy(heap, 0, copy, 0, n);
            return copy[n - 1];
        });
        double tCreate = bestCreate(reps, heap);
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), heap)) {
            double tHeap = best(reps, () -> heapSum(heap));
            double tSum = best(reps, a::sum);
            double tNansum = best(reps, a::nansum);
            double tNumpy = numpySum(a, reps);
            report("memory copy (heap double[] -> double[])", tCopy, bytes);
            report("create shared array from double[]", tCreate, bytes);
            report("sum heap double[] (8 accumulators)", tHeap, bytes);
            report("sum shared array", tSum, bytes);
            report("nansum shared array", tNansum, bytes);
            if (tNumpy > 0) {
                report("numpy a.sum() on the same segment", tNumpy, bytes);
            }
            System.out.printf(Locale.ROOT, "ratio sum shared / heap          = %.3f (target <= 1.1)%n", tSum / tHeap);
            if (tNumpy > 0) {
                System.out.printf(Locale.ROOT, "ratio sum shared / numpy         = %.3f (target <= 1.0)%n", tSum / tNumpy);
            }
            System.out.printf(Locale.ROOT, "nansum speed / sum speed         = %.3f (target >= 0.9)%n", tSum / tNansum);
            System.out.printf(Locale.ROOT, "ratio create / memory copy       = %.3f (target <= 1.3)%n", tCreate / tCopy);
        }
    }

    /** The same 8-accumulator loop the array kernel uses, over a heap array. */
    static double heapSum(double[] x) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        int i = 0;
        int end = x.length & ~7;
        for (; i < end; i += 8) {
            a0 += x[i];
            a1 += x[i + 1];
            a2 += x[i + 2];
            a3 += x[i + 3];
            a4 += x[i + 4];
            a5 += x[i + 5];
            a6 += x[i + 6];
            a7 += x[i + 7];
        }
        for (; i < x.length; i++) {
            a0 += x[i];
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    private static double numpySum(SharedArray a, int reps) throws IOException, InterruptedException {
        String script = """
                import sys, time, numpy as np
                a = np.load(sys.argv[1], mmap_mode='r')
                a.sum()
                best = 1e9
                for _ in range(int(sys.argv[2])):
                    t = time.perf_counter(); a.sum(); best = min(best, time.perf_counter() - t)
                print(best)
                """;
        ProcessBuilder pb = new ProcessBuilder(List.of(System.getenv().getOrDefault("SHM4J_PYTHON", "python3"),
                "-c", script, a.path().toString(), Integer.toString(reps)));
        pb.redirectErrorStream(true);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                System.out.println("numpy: failed: " + out);
                return -1;
            }
            return Double.parseDouble(out.substring(out.lastIndexOf('\n') + 1));
        } catch (IOException e) {
            System.out.println("numpy: python3 not available: " + e.getMessage());
            return -1;
        }
    }

    /** Times creation only (reserve, copy, publish); removing the segment is not timed. */
    private static double bestCreate(int reps, double[] heap) {
        double best = Double.MAX_VALUE;
        for (int r = 0; r <= reps; r++) {
            long t = System.nanoTime();
            SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), heap);
            double s = (System.nanoTime() - t) / 1e9;
            a.close();
            if (r > 0) {
                best = Math.min(best, s);
            }
        }
        return best;
    }

    private static double best(int reps, DoubleSupplier body) {
        double sink = body.getAsDouble(); // warm-up
        double best = Double.MAX_VALUE;
        for (int r = 0; r < reps; r++) {
            long t = System.nanoTime();
            sink += body.getAsDouble();
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        if (sink == 42.4242) {
            System.out.print("");
        }
        return best;
    }

    private static void report(String what, double seconds, long bytes) {
        System.out.printf(Locale.ROOT, "%-42s %9.2f ms %7.2f GB/s%n", what, seconds * 1e3, bytes / seconds / 1e9);
    }

    static long parseBytes(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        double mult = 1;
        char last = v.charAt(v.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            mult = last == 'k' ? 1e3 : last == 'm' ? 1e6 : 1e9;
            v = v.substring(0, v.length() - 1);
        }
        return (long) (Double.parseDouble(v) * mult) / 8 * 8;
    }
}
