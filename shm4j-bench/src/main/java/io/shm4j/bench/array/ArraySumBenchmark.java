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
 * Prints one line per measurement (median of {@code reps}, default 7, interleaved with NumPy) and a
 * summary of the ratios against the targets. Creation is timed on fresh pages and with the page
 * stock ({@code shm4j.pageStock}: pages of the array created and closed in the previous rep);
 * run with {@code -Dshm4j.dir=} a tmpfs mounted {@code huge=always} for the huge-page target. Run it with {@code --add-modules jdk.incubator.vector} for the SIMD kernels.
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
        double[] tCreateStock = new double[reps];
        double[] tHeap = new double[reps];
        double[] tSum = new double[reps];
        double[] tNansum = new double[reps];
        double[] tScalar = new double[reps];
        double[] tScalarNansum = new double[reps];
        double[] tSimd = new double[reps];
        double[] tSimdNansum = new double[reps];
        double[] tNpSum = new double[reps];
        double[] tNpNansum = new double[reps];
        double sink = 0;
        String stockBefore = System.getProperty(io.shm4j.Settings.PAGE_STOCK_PROPERTY);
        String mount = mountOf(io.shm4j.Settings.shmDirectory());
        boolean huge = mount.contains("huge=always") || mount.contains("huge=within_size");
        System.out.printf(Locale.ROOT, "shm dir %s: %s; load average %s%n", io.shm4j.Settings.shmDirectory(), mount, loadAverage());
        java.nio.file.Path freshDir = java.nio.file.Files.createTempDirectory(io.shm4j.Settings.shmDirectory(), "shm4j-bench-fresh-");
        ShmOptions fresh = ShmOptions.defaults().in(io.shm4j.segment.ShmDirectory.of(freshDir));
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), heap);
                NumpyHelper np = NumpyHelper.start(a)) {
            for (int w = 0; w < 2; w++) { // warm-up: JIT, page tables
                sink += a.sum() + a.nansum() + heapSum(heap);
            }
            withStock(bytes * 2, () -> SharedArray.copyOf(ShmOptions.defaults(), heap).close()); // fills the stock
            // The first reuse of a stock file writes through its kept mapping for the first time
            // and pays the first touch of every page (reported apart); later reuses find the
            // page-table entries in place. Fresh creations go to a directory of their own, so
            // that they never release the default directory's stock.
            long tFirst = System.nanoTime();
            withStock(bytes * 2, () -> SharedArray.copyOf(ShmOptions.defaults(), heap).close());
            double firstReuse = seconds(tFirst);
            java.util.Random shuffle = new java.util.Random(20);
            for (int r = 0; r < reps; r++) {
                // creation (which maps and later unmaps 1.5 GB) runs last in a rep: an unmap
                // disturbs the page-table state of what runs right after it (measured: the sum
                // that followed it took 2x the nansum that did not)
                // the reductions in a new random order each rep (fixed seed), so that none of them
                // always runs right after what disturbs page-table state on this VM: an unmap,
                // NumPy's nansum (which allocates and frees a 1.5 GB temporary), or a pass over
                // another 1.5 GB (a rotation kept the heap sum always right before a.sum(), which
                // then measured 2x the same kernel called directly)
                final int rep = r;
                java.util.List<Runnable> tasks = java.util.List.of(
                        () -> tHeap[rep] = time(() -> heapSum(heap)),
                        () -> tSum[rep] = time(a::sum),
                        () -> tNansum[rep] = time(a::nansum),
                        () -> tScalar[rep] = time(() -> io.shm4j.array.internal.Kernels.sumF64(a.data(), 0, n)),
                        () -> tScalarNansum[rep] = time(() -> io.shm4j.array.internal.Kernels.nansumF64(a.data(), 0, n)),
                        () -> tSimd[rep] = time(() -> io.shm4j.array.internal.Kernels.simdSumF64(a.data(), 0, n)),
                        () -> tSimdNansum[rep] = time(() -> io.shm4j.array.internal.Kernels.simdNansumF64(a.data(), 0, n)),
                        () -> tNpSum[rep] = np == null ? Double.NaN : np.timeUnchecked("sum"),
                        () -> tNpNansum[rep] = np == null ? Double.NaN : np.timeUnchecked("nansum"));
                java.util.List<Runnable> order = new java.util.ArrayList<>(tasks);
                java.util.Collections.shuffle(order, shuffle);
                order.forEach(Runnable::run);
                long t;
                t = System.nanoTime();
                System.arraycopy(heap, 0, copy, 0, n);
                tCopy[r] = seconds(t);
                for (int k = 0; k < 2; k++) { // fresh pages and page stock, order alternating by rep
                    if ((k + r) % 2 == 0) {
                        t = System.nanoTime();
                        SharedArray c = SharedArray.copyOf(fresh, heap);
                        tCreate[r] = seconds(t);
                        c.close(); // stock off: unlinked
                    } else {
                        long[] took = new long[1];
                        withStock(bytes * 2, () -> {
                            long t0 = System.nanoTime();
                            SharedArray c = SharedArray.copyOf(ShmOptions.defaults(), heap);
                            took[0] = System.nanoTime() - t0;
                            c.close(); // back into the stock
                        });
                        tCreateStock[r] = took[0] / 1e9;
                    }
                }
            }
            io.shm4j.segment.ShmDirectory.current().releasePageStock();
            report("memory copy (heap double[] -> double[])", tCopy, bytes);
            report("create shared array from double[], fresh", tCreate, bytes);
            System.out.printf(Locale.ROOT, "%-44s %9.1f ms (once per stock file: first touch of its kept mapping)%n",
                    "the same, page stock, first reuse", firstReuse * 1e3);
            report("the same, page stock (steady state)", tCreateStock, bytes);
            report("sum heap double[] (8 accumulators)", tHeap, bytes);
            report("sum shared array (default kernel)", tSum, bytes);
            report("nansum shared array (default kernel)", tNansum, bytes);
            report("sum shared array, scalar kernel", tScalar, bytes);
            report("nansum shared array, scalar kernel", tScalarNansum, bytes);
            report("sum shared array, SIMD kernel", tSimd, bytes);
            report("nansum shared array, SIMD kernel", tSimdNansum, bytes);
            if (np != null) {
                report("numpy a.sum() on the same segment", tNpSum, bytes);
                report("numpy np.nansum(a) on the same segment", tNpNansum, bytes);
            }
            System.out.printf(Locale.ROOT, "summary (%s kernels, load average now %s):%n",
                    io.shm4j.array.internal.Kernels.implementation(), loadAverage());
            System.out.printf(Locale.ROOT, "ratio sum shared / heap          = %.3f (target <= 1.1)%n", median(tSum) / median(tHeap));
            if (np != null) {
                verdict("sum / numpy sum", median(tSum) / median(tNpSum), 1.0);
                verdict("nansum / numpy nansum", median(tNansum) / median(tNpNansum), 1.0);
                System.out.printf(Locale.ROOT, "ratio scalar sum / numpy sum     = %.3f, scalar nansum / numpy nansum = %.3f%n",
                        median(tScalar) / median(tNpSum), median(tScalarNansum) / median(tNpNansum));
                System.out.printf(Locale.ROOT, "ratio SIMD sum / numpy sum       = %.3f, SIMD nansum / numpy nansum   = %.3f%n",
                        median(tSimd) / median(tNpSum), median(tSimdNansum) / median(tNpNansum));
            }
            if (!Double.isNaN(median(tSimd))) {
                System.out.printf(Locale.ROOT, "faster kernel here: sum %s (SIMD/scalar %.3f), nansum %s (SIMD/scalar %.3f); default: %s%n",
                        median(tSimd) < median(tScalar) ? "SIMD" : "scalar", median(tSimd) / median(tScalar),
                        median(tSimdNansum) < median(tScalarNansum) ? "SIMD" : "scalar", median(tSimdNansum) / median(tScalarNansum),
                        io.shm4j.array.internal.Kernels.implementation());
            }
            System.out.printf(Locale.ROOT, "nansum speed / sum speed         = %.3f (target >= 0.9)%n", median(tSum) / median(tNansum));
            verdict("create (page stock) / copy" + (huge ? ", huge pages" : ", 4 KiB pages"),
                    median(tCreateStock) / median(tCopy), huge ? 1.2 : 1.5);
            System.out.printf(Locale.ROOT, "ratio create fresh / copy        = %.3f (no page stock: fresh tmpfs pages)%n",
                    median(tCreate) / median(tCopy));
        } finally {
            if (stockBefore == null) {
                System.clearProperty(io.shm4j.Settings.PAGE_STOCK_PROPERTY);
            } else {
                System.setProperty(io.shm4j.Settings.PAGE_STOCK_PROPERTY, stockBefore);
            }
            io.shm4j.segment.ShmDirectory.current().releasePageStock();
            java.nio.file.Files.deleteIfExists(freshDir);
        }
        if (sink + sinkTotal == 42.4242) {
            System.out.print("");
        }
    }

    /** Runs {@code r} with the page stock on (cap {@code cap} bytes), then turns it off again. */
    private static void withStock(long cap, Runnable r) {
        System.setProperty(io.shm4j.Settings.PAGE_STOCK_PROPERTY, Long.toString(cap));
        try {
            r.run();
        } finally {
            System.setProperty(io.shm4j.Settings.PAGE_STOCK_PROPERTY, "0");
        }
    }

    private static void verdict(String what, double ratio, double target) {
        System.out.printf(Locale.ROOT, "ratio %-26s = %.3f (target <= %.1f: %s)%n", what, ratio, target,
                ratio <= target ? "met" : "missed");
    }

    /** The mount options of the filesystem holding {@code dir} (from /proc/mounts). */
    static String mountOf(java.nio.file.Path dir) {
        String best = "";
        String opts = "unknown filesystem";
        try {
            java.nio.file.Path real = dir.toRealPath();
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                if (f.length >= 4 && real.startsWith(f[1]) && f[1].length() >= best.length()) {
                    best = f[1];
                    opts = f[2] + " " + f[3];
                }
            }
        } catch (IOException e) {
            return opts;
        }
        return opts;
    }

    static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double sinkTotal;

    /** Seconds {@code f} takes; its result goes to a sink the JIT cannot drop. */
    private static double time(java.util.function.DoubleSupplier f) {
        long t0 = System.nanoTime();
        sinkTotal += f.getAsDouble();
        return seconds(t0);
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

        double timeUnchecked(String op) {
            try {
                return time(op);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
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
