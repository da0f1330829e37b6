package io.shm4j.bench.frame;

import io.shm4j.Settings;
import io.shm4j.frame.SharedFrame;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The CSV targets of issue 15, side by side in one run, interleaved, medians of {@code reps}:
 * <ol>
 *   <li>put of a CSV of the shape (timestamp, float64 with empty cells, short quoted
 *       strings, int64) at a given size: shm4j in-process ({@code SharedFrame.copyOf(options, csv)}) and the
 *       CLI end to end ({@code ./shm4j put}) vs {@code pyarrow.csv.read_csv} + IPC file write to
 *       the shm directory vs {@code polars.read_csv(try_parse_dates=True)} + {@code write_ipc};
 *   <li>export of that frame to CSV ({@code exportTo(x.csv)}) vs {@code pyarrow.csv.write_csv};
 *   <li>peak heap of the in-process put (heap pools' peak) and a CLI put under {@code -Xmx256m};
 *   <li>the CLI put of a 20 MB file of the same shape, start to finish.
 * </ol>
 * Usage: {@code CsvBench [SIZE|FILE] [REPS] [LAUNCHER] [PARTS]}: SIZE like {@code 1GB},
 * {@code 200MB} (default 200MB), or an existing CSV FILE of that shape (kept; write one with
 * {@code CsvBench generate FILE SIZE}); REPS (default 5); LAUNCHER the {@code shm4j} script
 * (default {@code ./shm4j}); PARTS {@code all} (default), {@code api} (in-process put and export
 * with the Python peers) or {@code cli} (CLI puts with the Python peers). The heap check runs a
 * CLI put under {@code SHM4J_BENCH_XMX} (default {@code -Xmx256m}). Python: {@code SHM4J_PYTHON}
 * or {@code python3}, with pyarrow and polars. Files go to a temp directory (a generated CSV) and
 * the shm directory (outputs); all but a given FILE are removed at the end.
 */
public final class CsvBench {
    static final String[] SYMBOLS = {"AAPL", "MSFT", "GOOG", "AMZN", "META", "NVDA", "TSLA", "IBM", "BRK.B", "V"};

    private CsvBench() {}

    /** Writes a CSV of about {@code bytes} bytes: ts, price (10 % empty), sym (quoted), qty. */
    static long generate(Path file, long bytes) throws IOException {
        SplittableRandom rnd = new SplittableRandom(15);
        long rows = 0;
        long written = 0;
        long t0 = 1_704_096_000L; // 2024-01-01 08:00:00 UTC
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            byte[] header = "ts,price,sym,qty\n".getBytes(StandardCharsets.US_ASCII);
            out.write(header);
            written += header.length;
            StringBuilder sb = new StringBuilder(64);
            int at = 0;
            while (written < bytes) {
                sb.setLength(0);
                long t = t0 + rows / 4;
                java.time.LocalDateTime dt = java.time.LocalDateTime.ofEpochSecond(t, 0, java.time.ZoneOffset.UTC);
                sb.append(dt.toLocalDate()).append(' ');
                int h = dt.getHour();
                int m = dt.getMinute();
                int s = dt.getSecond();
                sb.append((char) ('0' + h / 10)).append((char) ('0' + h % 10)).append(':')
                        .append((char) ('0' + m / 10)).append((char) ('0' + m % 10)).append(':')
                        .append((char) ('0' + s / 10)).append((char) ('0' + s % 10)).append(',');
                if (rnd.nextInt(10) != 0) {
                    long cents = rnd.nextLong(1, 10_000_000);
                    sb.append(cents / 100).append('.').append((char) ('0' + cents / 10 % 10))
                            .append((char) ('0' + cents % 10));
                }
                sb.append(",\"").append(SYMBOLS[rnd.nextInt(SYMBOLS.length)]).append("\",")
                        .append(rnd.nextLong(1, 1_000_000)).append('\n');
                if (at + sb.length() > buf.length) {
                    out.write(buf, 0, at);
                    at = 0;
                }
                for (int i = 0; i < sb.length(); i++) {
                    buf[at++] = (byte) sb.charAt(i);
                }
                written += sb.length();
                rows++;
            }
            out.write(buf, 0, at);
        }
        return rows;
    }

    static final String PYTHON = """
            import sys, os, time
            import pyarrow as pa, pyarrow.csv as pcsv, polars as pl
            for line in sys.stdin:
                cmd, src, dst = line.split()
                t = time.perf_counter()
                if cmd == "pyarrow_put":
                    table = pcsv.read_csv(src)
                    with pa.OSFile(dst, "wb") as s, pa.ipc.new_file(s, table.schema) as w:
                        w.write_table(table)
                elif cmd == "polars_put":
                    pl.read_csv(src, try_parse_dates=True).write_ipc(dst)
                elif cmd == "pyarrow_export":
                    table = pa.ipc.open_file(pa.memory_map(src)).read_all()
                    t = time.perf_counter()
                    pcsv.write_csv(table, dst)
                dt = time.perf_counter() - t
                print(cmd, dt, flush=True)
            """;

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("generate")) {
            long rows = generate(Path.of(args[1]), parseSize(args[2]));
            System.out.printf(Locale.ROOT, "%s: %,d bytes, %,d rows%n", args[1], Files.size(Path.of(args[1])), rows);
            return;
        }
        Path given = args.length > 0 && Files.isRegularFile(Path.of(args[0])) ? Path.of(args[0]) : null;
        long size = given != null ? Files.size(given) : args.length > 0 ? parseSize(args[0]) : 200L << 20;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String launcher = args.length > 2 ? args[2] : "./shm4j";
        String parts = args.length > 3 ? args[3] : "all";
        boolean api = !parts.equals("cli");
        boolean withCli = !parts.equals("api");
        String xmx = System.getenv().getOrDefault("SHM4J_BENCH_XMX", "-Xmx256m");
        Path tmp = Files.createTempDirectory("shm4j-csvbench");
        Path shm = Settings.shmDirectory();
        String tag = "shm4j-csvbench-" + ProcessHandle.current().pid();
        Path csv = given != null ? given : tmp.resolve("bench.csv");
        Path small = tmp.resolve("small.csv");
        Path pyOut = shm.resolve(tag + "-py.arrow");
        Path plOut = shm.resolve(tag + "-pl.arrow");
        Path javaCsv = shm.resolve(tag + "-java.csv");
        Path pyCsv = shm.resolve(tag + "-py.csv");
        Process py = null;
        try {
            long t = System.nanoTime();
            long rows = given != null ? -1 : generate(csv, size);
            generate(small, 20L << 20);
            System.out.printf(Locale.ROOT, "# CSV: %s, %,d bytes, %,d rows (generated in %.1f s); 20 MB file: %,d bytes%n",
                    csv, Files.size(csv), rows, (System.nanoTime() - t) / 1e9, Files.size(small));
            System.out.println("# load: " + Files.readString(Path.of("/proc/loadavg")).trim() + ", cores="
                    + Runtime.getRuntime().availableProcessors() + ", heap max="
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB");
            py = new ProcessBuilder(FrameBench.python(), "-c", PYTHON).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            PrintWriter pyIn = new PrintWriter(py.getOutputStream(), true, StandardCharsets.UTF_8);
            BufferedReader pyOutLines = new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8));
            Map<String, List<Double>> times = new LinkedHashMap<>();
            long peakHeap = 0;
            for (int rep = 0; rep < reps; rep++) {
                // shm4j in process
                if (api) {
                    resetPeaks();
                    t = System.nanoTime();
                    try (SharedFrame f = SharedFrame.copyOf(io.shm4j.segment.ShmOptions.named(tag + "-api"), csv)) {
                        record(times, "shm4j put (API)", t);
                        peakHeap = Math.max(peakHeap, heapPeak());
                        t = System.nanoTime();
                        f.save(javaCsv);
                        record(times, "shm4j export (API)", t);
                        if (rep == 0) {
                            System.out.println("# frame: " + f.view().schemaDescription().replace('\n', ';'));
                        }
                        f.save(shm.resolve(tag + "-src.arrow"));
                    }
                    Files.deleteIfExists(javaCsv);
                }
                // the CLI, start to finish
                if (withCli) {
                    t = System.nanoTime();
                    cli(launcher, List.of("put", csv.toString(), "--name", tag + "-cli"), null);
                    record(times, "shm4j put (CLI)", t);
                    cli(launcher, List.of("rm", tag + "-cli"), null);
                }
                // pyarrow and polars
                times.computeIfAbsent("pyarrow read_csv + IPC write", k -> new ArrayList<>())
                        .add(python(pyIn, pyOutLines, "pyarrow_put", csv, pyOut));
                Files.deleteIfExists(pyOut);
                times.computeIfAbsent("polars read_csv(try_parse_dates) + write_ipc", k -> new ArrayList<>())
                        .add(python(pyIn, pyOutLines, "polars_put", csv, plOut));
                Files.deleteIfExists(plOut);
                if (api) {
                    times.computeIfAbsent("pyarrow write_csv", k -> new ArrayList<>())
                            .add(python(pyIn, pyOutLines, "pyarrow_export", shm.resolve(tag + "-src.arrow"), pyCsv));
                    Files.deleteIfExists(pyCsv);
                    Files.deleteIfExists(shm.resolve(tag + "-src.arrow"));
                }
                // 20 MB from the CLI
                if (withCli) {
                    t = System.nanoTime();
                    cli(launcher, List.of("put", small.toString(), "--name", tag + "-small"), null);
                    record(times, "shm4j put 20 MB (CLI)", t);
                    cli(launcher, List.of("rm", tag + "-small"), null);
                }
                System.out.printf(Locale.ROOT, "# rep %d done%n", rep + 1);
            }
            pyIn.close();
            py.waitFor();
            // the heap bound: the whole CLI put under a small -Xmx
            int rc = -1;
            double heapRun = 0;
            if (withCli) {
                t = System.nanoTime();
                rc = cli(launcher, List.of("put", csv.toString(), "--name", tag + "-heap"), xmx);
                heapRun = (System.nanoTime() - t) / 1e9;
                cli(launcher, List.of("rm", tag + "-heap"), null);
            }
            System.out.println("# load at the end: " + Files.readString(Path.of("/proc/loadavg")).trim());
            report(times, peakHeap, rc, heapRun, xmx);
        } finally {
            if (py != null) {
                py.destroy();
            }
            for (Path p : List.of(small, pyOut, plOut, javaCsv, pyCsv, shm.resolve(tag + "-src.arrow"))) {
                Files.deleteIfExists(p);
            }
            if (given == null) {
                Files.deleteIfExists(csv);
            }
            Files.deleteIfExists(tmp);
        }
    }

    private static void report(Map<String, List<Double>> times, long peakHeap, int rc, double heapRun, String xmx) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-48s %9s %9s %9s   runs%n", "", "median s", "min s", "max s");
        Map<String, Double> med = new LinkedHashMap<>();
        for (var e : times.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double m = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            med.put(e.getKey(), m);
            System.out.printf(Locale.ROOT, "%-48s %9.3f %9.3f %9.3f   %s%n", e.getKey(), m, v[0], v[v.length - 1],
                    Arrays.toString(e.getValue().stream().map(d -> String.format(Locale.ROOT, "%.3f", d)).toArray()));
        }
        double pa = med.get("pyarrow read_csv + IPC write");
        double pl = med.get("polars read_csv(try_parse_dates) + write_ipc");
        System.out.println();
        if (med.containsKey("shm4j put (API)")) {
            double api = med.get("shm4j put (API)");
            double ex = med.get("shm4j export (API)");
            double pw = med.get("pyarrow write_csv");
            target("put (API) / pyarrow <= 1.5", api / pa, 1.5);
            target("put (API) / polars <= 1.0", api / pl, 1.0);
            target("export / pyarrow write_csv <= 1.5", ex / pw, 1.5);
            System.out.printf(Locale.ROOT, "%-40s %8.2fx / %.2fx / %.2fx%n", "paired: put/pyarrow, put/polars, export",
                    pairedMedian(times.get("shm4j put (API)"), times.get("pyarrow read_csv + IPC write")),
                    pairedMedian(times.get("shm4j put (API)"), times.get("polars read_csv(try_parse_dates) + write_ipc")),
                    pairedMedian(times.get("shm4j export (API)"), times.get("pyarrow write_csv")));
            System.out.printf(Locale.ROOT, "%-40s %8d MB     (heap pools' peak during the in-process put)%n",
                    "peak heap (API put)", peakHeap >> 20);
        }
        if (med.containsKey("shm4j put (CLI)")) {
            double cli = med.get("shm4j put (CLI)");
            double small = med.get("shm4j put 20 MB (CLI)");
            target("put (CLI) / pyarrow <= 1.5", cli / pa, 1.5);
            target("put (CLI) / polars <= 1.0", cli / pl, 1.0);
            System.out.printf(Locale.ROOT, "%-40s %8.2fx / %.2fx%n", "paired: put (CLI)/pyarrow, /polars",
                    pairedMedian(times.get("shm4j put (CLI)"), times.get("pyarrow read_csv + IPC write")),
                    pairedMedian(times.get("shm4j put (CLI)"), times.get("polars read_csv(try_parse_dates) + write_ipc")));
            System.out.printf(Locale.ROOT, "%-40s %8.3f s      %s%n", "20 MB CLI put <= 1 s", small,
                    small <= 1 ? "met" : "MISSED");
            System.out.printf(Locale.ROOT, "%-40s %8s        exit=%d, %.2f s%n", "CLI put with " + xmx,
                    rc == 0 ? "met" : "MISSED", rc, heapRun);
        }
    }

    private static void target(String what, double ratio, double limit) {
        System.out.printf(Locale.ROOT, "%-40s %8.2fx      %s%n", what, ratio, ratio <= limit ? "met" : "MISSED");
    }

    /** The median of the per-rep ratios a[i] / b[i] (each pair ran back to back: less sensitive to a load that changes). */
    static double pairedMedian(List<Double> a, List<Double> b) {
        double[] r = new double[Math.min(a.size(), b.size())];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i) / b.get(i);
        }
        Arrays.sort(r);
        return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
    }

    private static void record(Map<String, List<Double>> times, String key, long t0) {
        times.computeIfAbsent(key, k -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e9);
    }

    private static double python(PrintWriter in, BufferedReader out, String cmd, Path src, Path dst) throws IOException {
        in.println(cmd + " " + src + " " + dst);
        String line = out.readLine();
        if (line == null || !line.startsWith(cmd + " ")) {
            throw new IllegalStateException("python answered: " + line);
        }
        return Double.parseDouble(line.split(" ")[1]);
    }

    private static int cli(String launcher, List<String> args, String javaOpts) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (javaOpts != null) {
            pb.environment().put("SHM4J_JAVA_OPTS", javaOpts);
        }
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            System.out.println("# " + String.join(" ", cmd) + " failed: exit=" + rc + ", output=" + out.trim());
        }
        return rc;
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
    }

    private static long heapPeak() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    static long parseSize(String s) {
        String u = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (u.endsWith("GB")) {
            mult = 1L << 30;
        } else if (u.endsWith("MB")) {
            mult = 1L << 20;
        } else if (u.endsWith("KB")) {
            mult = 1L << 10;
        }
        String num = u.replaceAll("[A-Z]", "");
        return (long) (Double.parseDouble(num) * mult);
    }
}
