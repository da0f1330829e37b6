package io.shm4j.bench.frame;

import io.shm4j.Settings;
import io.shm4j.frame.SharedFrame;
import io.shm4j.frame.StringColumn;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.ShmOptions;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The targets of issue 14 (formats users have), side by side in one run, interleaved:
 * <ol>
 *   <li>{@code put} of an LZ4-compressed feather file (what {@code pandas.DataFrame.to_feather}
 *       writes by default) into shared memory vs pyarrow reading the same file and writing an
 *       uncompressed IPC file into the shm directory — Java and Python alternate, one repetition
 *       each per round;</li>
 *   <li>a full scan of a {@code string_view} column (polars' default string layout) vs the same
 *       scan over the same strings as {@code utf8}, alternating.</li>
 * </ol>
 * Usage: {@code FormatsBench [rows] [rounds]} (default 10,000,000 rows, 7 rounds). Needs python3
 * with numpy, pandas, pyarrow ({@code SHM4J_PYTHON} overrides the executable). Prints medians,
 * absolutes and ratios. Leaves no files behind.
 */
public final class FormatsBench {
    private FormatsBench() {}

    static final String MAKE = """
            import sys, numpy as np, pandas as pd, pyarrow as pa, pyarrow.feather as feather
            n, d = int(sys.argv[1]), sys.argv[2]
            i = np.arange(n, dtype=np.int64)
            syms = np.array(["AAPL", "MSFT", "GOOG", "AMZN", "META", "NVDA", "TSLA", "IBM"])
            names = np.array(["a short one", "a string longer than twelve bytes", "x", "another longer string value"])
            df = pd.DataFrame({"id": i, "value": (i % 1000) * 0.5, "qty": (i % 97).astype(np.int32),
                               "ts": pd.to_datetime(1_577_836_800 + (i % 3650) * 86_400, unit="s"),
                               "sym": syms[i & 7]})
            df.to_feather(d + "/lz4.feather")  # pandas default: LZ4
            s = pa.array(names[(i * 7919) % 4])
            t = pa.table({"utf8": s, "view": s.cast(pa.string_view())})
            feather.write_feather(t, d + "/strings.arrow", compression="uncompressed")
            print("ok")
            """;

    static final String PYARROW_PUT = """
            import sys, os, time, pyarrow as pa, pyarrow.feather as feather
            src, dst = sys.argv[1], sys.argv[2]
            t = time.perf_counter()
            table = feather.read_table(src)
            with pa.OSFile(dst, "wb") as s, pa.ipc.new_file(s, table.schema) as w:
                w.write_table(table)
            print("pyarrow_put", time.perf_counter() - t, table.num_rows)
            os.unlink(dst)
            """;

    public static void main(String[] args) throws Exception {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path dir = Files.createTempDirectory("shm4j-formats-bench");
        String prefix = "shm4j-bench-formats-" + ProcessHandle.current().pid();
        try {
            FrameBench.run(List.of(FrameBench.python(), "-c", MAKE, Long.toString(rows), dir.toString()));
            Path lz4 = dir.resolve("lz4.feather");
            double[] java = new double[rounds];
            double[] py = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t = System.nanoTime();
                try (SharedFrame f = SharedFrame.copyOf(ShmOptions.named(prefix + "-" + r).withLifetime(Lifetime.SCOPED), lz4)) {
                    java[r] = (System.nanoTime() - t) / 1e9;
                    if (f.rowCount() != rows) {
                        throw new AssertionError("rows=" + f.rowCount());
                    }
                    f.unlink();
                }
                Path out = Settings.shmDirectory().resolve(prefix + "-pyarrow-" + r + ".arrow");
                py[r] = FrameBench.value(FrameBench.run(List.of(FrameBench.python(), "-c", PYARROW_PUT, lz4.toString(),
                        out.toString())), "pyarrow_put");
            }
            double[] utf8 = new double[rounds];
            double[] view = new double[rounds];
            long check8 = 0;
            long checkV = 0;
            try (SharedFrame f = SharedFrame.open(dir.resolve("strings.arrow"))) {
                StringColumn a = f.strings("utf8");
                StringColumn b = f.strings("view");
                for (int w = 0; w < 3; w++) { // warm both paths up
                    scan(a);
                    scan(b);
                }
                for (int r = 0; r < rounds; r++) {
                    long t = System.nanoTime();
                    check8 = scan(a);
                    utf8[r] = (System.nanoTime() - t) / 1e9;
                    t = System.nanoTime();
                    checkV = scan(b);
                    view[r] = (System.nanoTime() - t) / 1e9;
                }
            }
            if (check8 != checkV) {
                throw new AssertionError("scans differ: utf8=" + check8 + ", view=" + checkV);
            }
            double jm = median(java);
            double pm = median(py);
            double um = median(utf8);
            double vm = median(view);
            System.out.printf(Locale.ROOT, "%nformats: rows=%,d, rounds=%d (interleaved), lz4 file bytes=%,d%n", rows,
                    rounds, Files.size(lz4));
            System.out.printf(Locale.ROOT, "LZ4 decoder: %s; load average at the end: %.2f%n",
                    io.shm4j.segment.internal.Native.Lz4Frame.available() && !Boolean.getBoolean("shm4j.lz4.java")
                            ? "liblz4 LZ4F_decompress (native door)" : "Java (lz4-java / commons-compress)",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            System.out.printf(Locale.ROOT, "%-52s %10.1f ms (all: %s)%n", "put lz4 feather -> shm segment (Java)", jm * 1e3,
                    ms(java));
            System.out.printf(Locale.ROOT, "%-52s %10.1f ms (all: %s)%n", "pyarrow read lz4 + write uncompressed to shm",
                    pm * 1e3, ms(py));
            System.out.printf(Locale.ROOT, "%-52s %10.1f ms (all: %s)%n", "full scan, utf8 column", um * 1e3, ms(utf8));
            System.out.printf(Locale.ROOT, "%-52s %10.1f ms (all: %s)%n", "full scan, string_view column", vm * 1e3,
                    ms(view));
            System.out.printf(Locale.ROOT, "ratios (medians): put java/pyarrow=%.2f (target <= 1.5),"
                    + " scan string_view/utf8=%.2f (target <= 1.2)%n", jm / pm, vm / um);
        } finally {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Reads every value's bytes in place: sums lengths and first bytes (so nothing is optimised away). */
    static long scan(StringColumn c) {
        long s = 0;
        long n = c.length();
        for (long i = 0; i < n; i++) {
            MemorySegment b = c.utf8(i);
            if (b != null && b.byteSize() > 0) {
                s += b.byteSize() + b.get(ValueLayout.JAVA_BYTE, 0);
            }
        }
        return s;
    }

    static double median(double[] a) {
        double[] b = a.clone();
        Arrays.sort(b);
        return b.length % 2 == 1 ? b[b.length / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
    }

    static String ms(double[] a) {
        StringBuilder b = new StringBuilder();
        for (double x : a) {
            b.append(b.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.0f", x * 1e3));
        }
        return b.toString();
    }
}
