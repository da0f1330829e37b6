package io.shm4j.bench.array;

import io.shm4j.segment.ShmOptions;
import io.shm4j.array.SharedArray;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Single-thread sum of a large float64 shared array, side by side with the same sum over a heap
 * {@code double[]} and NumPy's {@code a.sum()} on the same segment (a python3 subprocess), nansum
 * against sum, and creating the shared array from a {@code double[]} against a plain memory copy.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Xmx5g -cp ... io.shm4j.bench.array.ArraySumBenchmark [bytes] [reps]
 * </pre>
 * Default size 1.5 GB ({@code -Dshm4j.bench.bytes} or the first argument; suffixes k, m, g).
 * Prints one line per measurement (median of {@code reps}, default 7, interleaved with NumPy) and the
 * target ratios. Run it with {@code --add-modules jdk.incubator.vector} for the SIMD kernels.
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

        System.arraycopy(heap, 0, copy, 0, n);
        System.out.printf(Locale.ROOT, "reduction kernels: %s; interleaved rep by rep with NumPy (one python process"
                + " driven line by line), medians of %d (min..max)%n", io.shm4j.array.internal.Kernels.implementation(), reps);
        double[] tCopy = new double[reps];
        double[] tCreate = new double[reps];
        double[] tCreateMapped = new double[reps];
        double[] tHeap = new double[reps];
        double[] tSum = new double[reps];
        double[] tNansum = new double[reps];
        double[] tScalar = new double[reps];
        double[] tNpSum = new double[reps];
        double[] tNpNansum = new double[reps];
        double sink = 0;
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), heap);
                NumpyHelper np = NumpyHelper.start(a)) {
            for (int w = 0; w < 2; w++) { // warm-up: JIT, page tables
                sink += a.sum() + a.nansum() + heapSum(heap);
            }
            for (int r = 0; r < reps; r++) {
                // creation (which maps and later unmaps 1.5 GB) runs last in a rep: an unmap
                // disturbs the page-table state of what runs right after it (measured: the sum
                // that followed it took 2x the nansum that did not)
                long t = System.nanoTime();
                sink += heapSum(heap);
                tHeap[r] = seconds(t);
                t = System.nanoTime();
                sink += a.sum();
                tSum[r] = seconds(t);
                tNpSum[r] = np == null ? Double.NaN : np.time("sum");
                t = System.nanoTime();
                sink += a.nansum();
                tNansum[r] = seconds(t);
                t = System.nanoTime();
                sink += io.shm4j.array.internal.Kernels.sumF64(a.data(), 0, n); // the scalar kernel, same run
                tScalar[r] = seconds(t);
                tNpNansum[r] = np == null ? Double.NaN : np.time("nansum");
                t = System.nanoTime();
                System.arraycopy(heap, 0, copy, 0, n);
                tCopy[r] = seconds(t);
                t = System.nanoTime();
                SharedArray c = SharedArray.copyOf(ShmOptions.defaults(), heap);
                tCreate[r] = seconds(t);
                c.close();
                t = System.nanoTime();
                createThroughMapping(heap);
                tCreateMapped[r] = seconds(t);
            }
            report("memory copy (heap double[] -> double[])", tCopy, bytes);
            report("create shared array from double[]", tCreate, bytes);
            report("the same through the mapping (before)", tCreateMapped, bytes);
            report("sum heap double[] (8 accumulators)", tHeap, bytes);
            report("sum shared array", tSum, bytes);
            report("nansum shared array", tNansum, bytes);
            report("sum shared array, scalar kernel", tScalar, bytes);
            if (np != null) {
                report("numpy a.sum() on the same segment", tNpSum, bytes);
                report("numpy np.nansum(a) on the same segment", tNpNansum, bytes);
            }
            System.out.printf(Locale.ROOT, "ratio sum shared / heap          = %.3f (target <= 1.1)%n", median(tSum) / median(tHeap));
            if (np != null) {
                System.out.printf(Locale.ROOT, "ratio sum shared / numpy sum     = %.3f (target <= 1.0)%n", median(tSum) / median(tNpSum));
                System.out.printf(Locale.ROOT, "ratio nansum / numpy nansum      = %.3f (target <= 1.0)%n",
                        median(tNansum) / median(tNpNansum));
            }
            System.out.printf(Locale.ROOT, "nansum speed / sum speed         = %.3f (target >= 0.9)%n", median(tSum) / median(tNansum));
            System.out.printf(Locale.ROOT, "ratio create / memory copy       = %.3f (target <= 1.5 on 4 KiB pages, 1.2 on huge pages)%n",
                    median(tCreate) / median(tCopy));
            System.out.printf(Locale.ROOT, "ratio create via mapping / copy  = %.3f (before issue 20's kernel writes)%n",
                    median(tCreateMapped) / median(tCopy));
        }
        if (sink == 42.4242) {
            System.out.print("");
        }
    }

    /**
     * What {@code SharedArray.copyOf(double[])} did before issue 20's kernel writes: reserve,
     * prefault the mapping ({@code MADV_POPULATE_WRITE}), copy through it, publish; closed at once.
     */
    private static void createThroughMapping(double[] heap) {
        byte[] head = io.shm4j.array.NpyLayout.encode(io.shm4j.array.DType.FLOAT64, new long[] {heap.length}, false);
        long bytes = head.length + heap.length * 8L;
        try (io.shm4j.segment.PendingSegment p = io.shm4j.segment.Segment.reserve(
                io.shm4j.segment.SegmentSpec.of(bytes).withKind(io.shm4j.segment.SegmentKind.ARRAY))) {
            p.prefault();
            java.lang.foreign.MemorySegment m = p.memory();
            java.lang.foreign.MemorySegment.copy(head, 0, m, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, head.length);
            java.lang.foreign.MemorySegment.copy(heap, 0, m, java.lang.foreign.ValueLayout.JAVA_DOUBLE, head.length, heap.length);
            p.publish().close();
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] xs) {
        double[] c = xs.clone();
        java.util.Arrays.sort(c);
        return c[c.length / 2];
    }

    /** NumPy on the same segment, one reduction per request, timed in Python. */
    private static final class NumpyHelper implements AutoCloseable {
        private static final String SCRIPT = """
                import sys, time, numpy as np
                a = np.load(sys.argv[1], mmap_mode='r')
                a.sum(); np.nansum(a)
                print("ready", flush=True)
                for line in sys.stdin:
                    f = a.sum if line.strip() == "sum" else (lambda: np.nansum(a))
                    t = time.perf_counter(); f(); print(time.perf_counter() - t, flush=True)
                """;
        private final Process process;
        private final java.io.BufferedReader out;
        private final java.io.Writer in;

        private NumpyHelper(Process p) {
            process = p;
            out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        }

        static NumpyHelper start(SharedArray a) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(System.getenv().getOrDefault("SHM4J_PYTHON", "python3"), "-c", SCRIPT,
                    a.path().toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("OMP_NUM_THREADS", "1");
            try {
                NumpyHelper h = new NumpyHelper(pb.start());
                if (!"ready".equals(h.out.readLine())) {
                    h.process.destroyForcibly();
                    System.out.println("numpy: failed to start");
                    return null;
                }
                return h;
            } catch (IOException e) {
                System.out.println("numpy: python3 not available: " + e.getMessage());
                return null;
            }
        }

        double time(String op) throws IOException {
            in.write(op + "\n");
            in.flush();
            return Double.parseDouble(out.readLine().trim());
        }

        @Override
        public void close() throws IOException {
            in.close();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
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

    private static void report(String what, double[] xs, long bytes) {
        double[] c = xs.clone();
        java.util.Arrays.sort(c);
        double m = median(xs);
        System.out.printf(Locale.ROOT, "%-42s %9.2f ms (%8.2f..%8.2f) %7.2f GB/s%n", what, m * 1e3, c[0] * 1e3,
                c[c.length - 1] * 1e3, bytes / m / 1e9);
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
