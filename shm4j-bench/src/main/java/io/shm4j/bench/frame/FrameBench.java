package io.shm4j.bench.frame;

import io.shm4j.segment.ShmOptions;
import io.shm4j.Settings;
import io.shm4j.frame.DoubleColumn;
import io.shm4j.frame.SharedFrame;
import io.shm4j.frame.StringColumn;
import io.shm4j.frame.TimestampColumn;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The frame targets of issue 4, side by side in one run:
 * <ol>
 *   <li>building the record frame (date, float64 with NaN in half the rows, short strings) into
 *       shared memory vs pyarrow building the same table and writing it to the shm directory;</li>
 *   <li>nansum of its float column: Java column view vs a heap {@code double[]} vs
 *       {@code pyarrow.compute.sum} on the memory-mapped file; and the same view and heap
 *       nansum over a column whose nulls (NaN on the heap) fall on random rows, where a
 *       branch per element mispredicts half the time;</li>
 *   <li>heap and RSS of another JVM that attaches the frame, before and after a full scan.</li>
 * </ol>
 * Usage: {@code FrameBench [rows]} (default 10,000,000). Needs python3 with pyarrow
 * ({@code SHM4J_PYTHON} overrides the executable). Prints a table and the ratios.
 */
public final class FrameBench {
    static final long DAY = 86_400_000_000_000L;
    static final long T0 = 1_577_836_800_000_000_000L;
    static final String[] SYMBOLS = {"AAPL", "MSFT", "GOOG", "AMZN", "META", "NVDA", "TSLA", "IBM"};

    private FrameBench() {}

    /** Builds the record frame into shared memory. */
    static SharedFrame build(long rows, String name) {
        return SharedFrame.builder(rows)
                .addTimestamps("date", null, i -> T0 + (i % 3650) * DAY, null)
                .addDoubles("value", i -> (i & 1) == 1 ? Double.NaN : (i % 1000) * 0.5, i -> (i & 1) == 1)
                .addStrings("sym", i -> SYMBOLS[(int) (i & 7)])
                .build(ShmOptions.named(name));
    }

    static final String PYTHON = """
            import sys, os, time, numpy as np, pyarrow as pa, pyarrow.compute as pc
            n, path, frame = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            syms = np.array(["AAPL", "MSFT", "GOOG", "AMZN", "META", "NVDA", "TSLA", "IBM"])
            best = 1e9
            for _ in range(3):
                t = time.perf_counter()
                i = np.arange(n, dtype=np.int64)
                date = pa.array(1_577_836_800_000_000_000 + (i % 3650) * 86_400_000_000_000, type=pa.timestamp("ns"))
                v = (i % 1000) * 0.5
                v[1::2] = np.nan
                value = pa.array(v, from_pandas=True)
                sym = pa.array(syms[i & 7])
                table = pa.table({"date": date, "value": value, "sym": sym})
                with pa.OSFile(path, "wb") as s, pa.ipc.new_file(s, table.schema) as w:
                    w.write_table(table)
                best = min(best, time.perf_counter() - t)
                os.unlink(path)
            print("pyarrow_build_write", best)
            col = pa.ipc.open_file(pa.memory_map(frame)).read_all().column("value")
            pc.sum(col)
            best = 1e9
            for _ in range(5):
                t = time.perf_counter()
                s = pc.sum(col).as_py()
                best = min(best, time.perf_counter() - t)
            print("pyarrow_sum", best, s)
            """;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("attach")) {
            attach(args[1]);
            return;
        }
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        String name = "shm4j-bench-frame-" + ProcessHandle.current().pid();
        double build = Double.MAX_VALUE;
        for (int r = 0; r < 3; r++) {
            long t = System.nanoTime();
            try (SharedFrame f = build(rows, name + "-b" + r)) {
                build = Math.min(build, (System.nanoTime() - t) / 1e9);
                if (f.rowCount() != rows) {
                    throw new AssertionError("rows=" + f.rowCount());
                }
            }
        }
        try (SharedFrame f = build(rows, name)) {
            DoubleColumn col = f.doubles("value");
            double[] heap = col.toArray();
            double viewSum = 0;
            double heapSum = 0;
            double viewBest = Double.MAX_VALUE;
            double heapBest = Double.MAX_VALUE;
            for (int r = 0; r < 15; r++) {
                long t = System.nanoTime();
                viewSum = col.nansum();
                viewBest = Math.min(viewBest, (System.nanoTime() - t) / 1e9);
                t = System.nanoTime();
                heapSum = nansum(heap);
                heapBest = Math.min(heapBest, (System.nanoTime() - t) / 1e9);
            }
            if (viewSum != heapSum) {
                throw new AssertionError("sums differ: view=" + viewSum + ", heap=" + heapSum);
            }
            Path tmp = Settings.shmDirectory().resolve(name + "-pyarrow.arrow");
            List<String> py = run(List.of(python(), "-c", PYTHON, Long.toString(rows), tmp.toString(),
                    f.path().toString()));
            double pyBuild = value(py, "pyarrow_build_write");
            double pySum = value(py, "pyarrow_sum");
            List<String> attach = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    FrameBench.class.getName(), "attach", name));

            System.out.printf(Locale.ROOT, "%nrecord frame: rows=%,d, bytes=%,d%n", rows, f.byteSize());
            System.out.printf(Locale.ROOT, "%-44s %10.1f ms%n", "build into shm (Java builder)", build * 1e3);
            System.out.printf(Locale.ROOT, "%-44s %10.1f ms%n", "build + write to shm dir (pyarrow)", pyBuild * 1e3);
            System.out.printf(Locale.ROOT, "%-44s %10.2f ms%n", "nansum: Java column view", viewBest * 1e3);
            System.out.printf(Locale.ROOT, "%-44s %10.2f ms%n", "nansum: heap double[]", heapBest * 1e3);
            System.out.printf(Locale.ROOT, "%-44s %10.2f ms%n", "sum: pyarrow.compute on memory map", pySum * 1e3);
            double[] random = randomNulls(rows, name + "-random");
            System.out.printf(Locale.ROOT, "%-44s %10.2f ms%n", "nansum, nulls on random rows: column view", random[0] * 1e3);
            System.out.printf(Locale.ROOT, "%-44s %10.2f ms%n", "nansum, nulls on random rows: heap double[]", random[1] * 1e3);
            System.out.println("attaching JVM (MiB):");
            attach.forEach(l -> System.out.println("  " + l));
            System.out.printf(Locale.ROOT, "ratios: build java/pyarrow=%.2f (target <= 1.5), nansum view/heap=%.2f"
                    + " (target <= 1.2), nansum view/pyarrow=%.2f (target <= 1.0)%n", build / pyBuild,
                    viewBest / heapBest, viewBest / pySum);
        }
    }

    /**
     * Best of 15 of the column view's and the heap array's nansum over a float64 column with
     * nulls (NaN on the heap) on random rows, half of them: {view, heap} in seconds.
     */
    static double[] randomNulls(long rows, String name) {
        java.util.function.LongPredicate isNull = i -> (mix(i) & 1) == 1;
        try (SharedFrame f = SharedFrame.builder(rows)
                .addDoubles("value", i -> isNull.test(i) ? Double.NaN : (i % 1000) * 0.5, isNull)
                .build(ShmOptions.named(name))) {
            DoubleColumn col = f.doubles("value");
            double[] heap = col.toArray();
            double view = Double.MAX_VALUE;
            double onHeap = Double.MAX_VALUE;
            for (int r = 0; r < 15; r++) {
                long t = System.nanoTime();
                double a = col.nansum();
                view = Math.min(view, (System.nanoTime() - t) / 1e9);
                t = System.nanoTime();
                double b = nansum(heap);
                onHeap = Math.min(onHeap, (System.nanoTime() - t) / 1e9);
                if (a != b) {
                    throw new AssertionError("sums differ: view=" + a + ", heap=" + b);
                }
            }
            return new double[] {view, onHeap};
        }
    }

    private static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return x ^ (x >>> 33);
    }

    /** The same loop shape as the column view's, over a heap array. */
    static double nansum(double[] a) {
        double s0 = 0;
        double s1 = 0;
        int i = 0;
        for (; i + 1 < a.length; i += 2) {
            s0 += a[i] == a[i] ? a[i] : 0.0;
            s1 += a[i + 1] == a[i + 1] ? a[i + 1] : 0.0;
        }
        for (; i < a.length; i++) {
            s0 += a[i] == a[i] ? a[i] : 0.0;
        }
        return s0 + s1;
    }

    /** In the attaching JVM: heap and RSS before, after attach, after a full scan of every column. */
    static void attach(String name) throws IOException {
        report("before attach");
        try (SharedFrame f = SharedFrame.attach(name)) {
            report("after attach");
            double s = f.doubles("value").nansum();
            TimestampColumn d = f.timestamps("date");
            long t = 0;
            for (long i = 0; i < d.length(); i++) {
                t += d.raw(i);
            }
            StringColumn sym = f.strings("sym");
            long bytes = 0;
            for (long i = 0; i < sym.length(); i++) {
                bytes += sym.utf8(i).byteSize();
            }
            report("after full scan (checksum " + (long) s + "/" + (t & 0xffff) + "/" + bytes + ")");
        }
    }

    static void report(String when) throws IOException {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        String anon = "?";
        String shmem = "?";
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("RssAnon:")) {
                anon = l.replaceAll("\\D+", "");
            } else if (l.startsWith("RssShmem:")) {
                shmem = l.replaceAll("\\D+", "");
            }
        }
        System.out.printf(Locale.ROOT, "%-40s heap=%7.1f rssAnon=%7.1f rssShmem=%7.1f%n", when, heap / 1048576.0,
                Long.parseLong(anon) / 1024.0, Long.parseLong(shmem) / 1024.0);
    }

    static String python() {
        String p = System.getenv("SHM4J_PYTHON");
        return p == null || p.isBlank() ? "python3" : p;
    }

    static List<String> run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("process failed: cmd=" + cmd.get(0) + ", output=" + out);
        }
        return new ArrayList<>(out.lines().toList());
    }

    static double value(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + " ")).map(l -> Double.parseDouble(l.split(" ")[1]))
                .findFirst().orElseThrow(() -> new IllegalStateException("no " + key + " in " + lines));
    }
}
