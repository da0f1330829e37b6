package io.shm4j.bench.dataset;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.bench.workload.serve.Embeddings;
import io.shm4j.segment.Access;
import io.shm4j.segment.Segment;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What moving a reader to a new dataset version costs, step by step (issue 18, workload E's
 * update windows): the writer's publish (a copy of a {@code float[]} into a new segment through
 * the file), a reader's attach, prefault ({@code MADV_POPULATE_READ}), first touch of every page,
 * first scan after the touch, the first scan of a mapping that was neither prefaulted nor
 * touched, a steady scan, and the unmapping of the old version while another mapping holds it and
 * as its last holder (which frees its pages, its name being gone). Wall and thread CPU time and
 * minor faults per step, medians over the reps; the steps of one rep run in order, the reps one
 * after the other.
 *
 * <p>Usage: {@code VersionSwitchBench [ROWS] [REPS]} (default 1 000 000 × 64 float32 = 244 MiB,
 * 5 reps). Leaves nothing behind in the shm directory.
 */
public final class VersionSwitchBench {
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    private VersionSwitchBench() {}

    private interface Step {
        void run() throws IOException;
    }

    private record Sample(double wallMs, double cpuMs, long faults) {}

    public static void main(String[] args) throws IOException {
        long rows = args.length > 0 ? Long.parseLong(args[0]) : Embeddings.ROWS_AT_1;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        float[] matrix = Embeddings.matrix(1, rows);
        float[] q = Embeddings.query(1);
        float[] scores = new float[10];
        ShmDirectory dir = ShmDirectory.current();
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        System.out.printf(Locale.ROOT, "version switch: %d x 64 float32 (%.1f MiB), %d reps, load %s%n", rows,
                rows * 256.0 / (1 << 20), reps + 1, load());
        for (int rep = 0; rep <= reps; rep++) { // rep 0 warms the JIT up and is not counted
            Map<String, List<Sample>> into = rep == 0 ? new LinkedHashMap<>() : samples;
            String name = "shm4j-switch-" + ProcessHandle.current().pid() + "-" + rep;
            Path path = dir.path().resolve(name);
            SharedArray[] made = new SharedArray[1];
            Segment[] a = new Segment[2];
            try {
                time(into, "publish: copyOf(float[]) through the file", () -> made[0] = SharedArray.copyOf(
                        ShmOptions.named(name).persistent(), DType.FLOAT32, new long[] {rows, Embeddings.DIM}, matrix));
                made[0].close();
                time(into, "reader: attach (mmap)", () -> a[0] = dir.attach(name, Access.READ_ONLY));
                time(into, "reader: prefault (MADV_POPULATE_READ)", () -> a[0].prefault());
                MemorySegment m = a[0].memory();
                time(into, "reader: first touch of each page", () -> touch(m));
                SharedArray arr = SharedArray.of(a[0]);
                time(into, "reader: first scan after the touch", () -> Embeddings.topK(arr.data(), rows, q, 10, scores));
                time(into, "reader: steady scan", () -> Embeddings.topK(arr.data(), rows, q, 10, scores));
                a[1] = dir.attach(name, Access.READ_ONLY);
                SharedArray fresh = SharedArray.of(a[1]);
                time(into, "reader: first scan of an untouched mapping", () -> Embeddings.topK(fresh.data(), rows, q, 10,
                        scores));
                time(into, "reader: munmap, another mapping holds it", () -> a[1].close());
                Files.delete(path);
                time(into, "reader: munmap as last holder (frees pages)", () -> a[0].close());
            } finally {
                for (Segment s : a) {
                    if (s != null) {
                        s.close();
                    }
                }
                Files.deleteIfExists(path);
            }
        }
        System.out.printf(Locale.ROOT, "%-46s %10s %10s %10s%n", "step (medians)", "wall ms", "cpu ms", "minflt");
        for (Map.Entry<String, List<Sample>> e : samples.entrySet()) {
            System.out.printf(Locale.ROOT, "%-46s %10.1f %10.1f %10d%n", e.getKey(),
                    median(e.getValue().stream().mapToDouble(Sample::wallMs).toArray()),
                    median(e.getValue().stream().mapToDouble(Sample::cpuMs).toArray()),
                    (long) median(e.getValue().stream().mapToDouble(Sample::faults).toArray()));
        }
        System.out.printf(Locale.ROOT, "load %s%n", load());
    }

    private static void touch(MemorySegment m) {
        long x = 0;
        for (long off = 0; off < m.byteSize(); off += 4096) {
            x += m.get(ValueLayout.JAVA_BYTE, off);
        }
        if (x == Long.MIN_VALUE) {
            System.out.print(""); // keeps the loads
        }
    }

    private static void time(Map<String, List<Sample>> into, String what, Step step) throws IOException {
        long f0 = minorFaults();
        long c0 = CPU.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        step.run();
        long t1 = System.nanoTime();
        long c1 = CPU.getCurrentThreadCpuTime();
        into.computeIfAbsent(what, k -> new ArrayList<>()).add(new Sample((t1 - t0) / 1e6, (c1 - c0) / 1e6,
                minorFaults() - f0));
    }

    private static long minorFaults() throws IOException {
        String s = Files.readString(Path.of("/proc/self/stat"));
        return Long.parseLong(s.substring(s.lastIndexOf(')') + 2).split(" ")[7]);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
