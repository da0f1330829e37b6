package io.shm4j.bench.segment;

import io.shm4j.segment.ShmOptions;
import io.shm4j.bench.Samples;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentSpec;
import io.shm4j.segment.ShmDirectory;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The segment layer's targets, measured side by side:
 * <ol>
 *   <li>create + reserve + publish 1 GiB vs {@code fallocate -l 1G} on the same tmpfs;</li>
 *   <li>attach (map) an existing 1 GiB segment, page touches excluded;</li>
 *   <li>first full read of 1.5 GB in a fresh process, 2 MiB pages (tmpfs {@code huge=always})
 *       vs 4 KiB pages ({@code huge=never}); needs root to mount the two tmpfs.</li>
 * </ol>
 * Usage: {@code SegmentBench [--size-mib N] [--reps N] [--huge-mib N]}.
 */
public final class SegmentBench {
    private SegmentBench() {}

    public static void main(String[] args) throws Exception {
        long sizeMiB = 1024;
        long hugeMiB = 1536;
        int reps = 7;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size-mib" -> sizeMiB = Long.parseLong(args[++i]);
                case "--huge-mib" -> hugeMiB = Long.parseLong(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--first-read" -> { // child mode: time one first read of a segment
                    firstRead(Path.of(args[++i]), args[++i]);
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option: " + args[i]);
            }
        }
        long size = sizeMiB << 20;
        ShmDirectory dir = ShmDirectory.current();
        System.out.printf("shm4j segment benchmark: size=%d MiB, reps=%d, dir=%s%n", sizeMiB, reps, dir.path());

        // 1. create + reserve + publish vs fallocate(1)
        Samples fallocate = new Samples();
        Samples create = new Samples();
        Path plain = dir.path().resolve("shm4j-bench-fallocate-" + ProcessHandle.current().pid());
        for (int r = 0; r < reps + 1; r++) { // interleaved, first round is warm-up
            Files.deleteIfExists(plain);
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder("fallocate", "-l", Long.toString(size), plain.toString())
                    .inheritIO().start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("fallocate failed");
            }
            double fa = (System.nanoTime() - t0) / 1e6;
            Files.delete(plain);
            long t1 = System.nanoTime();
            Segment s;
            try (PendingSegment pending = Segment.reserve(SegmentSpec.of(size))) {
                s = pending.publish();
            }
            double cr = (System.nanoTime() - t1) / 1e6;
            s.close();
            if (r > 0) {
                fallocate.add(fa);
                create.add(cr);
            }
        }
        // 2. attach an existing segment (no page touched)
        Samples attach;
        try (Segment s = Segment.create(ShmOptions.named(io.shm4j.segment.SegmentNames.generate()).asMutable(), size)) {
            attach = Samples.timeMillis(20, 200, () -> {
                try (Segment a = Segment.attach(s.name())) {
                    if (a.size() != size) {
                        throw new AssertionError();
                    }
                }
            });
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(row("create+reserve+publish " + sizeMiB + " MiB", create, fallocate));
        rows.add(row("fallocate -l (process)", fallocate, fallocate));
        rows.add(row("attach " + sizeMiB + " MiB (map only)", attach, null));
        // 3. huge pages
        if ("root".equals(System.getProperty("user.name"))) {
            Samples[] small = firstReadInFreshProcess(hugeMiB, "never", reps);
            Samples[] huge = firstReadInFreshProcess(hugeMiB, "always", reps);
            rows.add(row("first touch " + hugeMiB + " MiB, 4 KiB pages", small[0], huge[0]));
            rows.add(row("first touch " + hugeMiB + " MiB, 2 MiB pages", huge[0], huge[0]));
            rows.add(row("then full read, 4 KiB pages", small[1], huge[1]));
            rows.add(row("then full read, 2 MiB pages", huge[1], huge[1]));
            System.out.printf("huge pages: first touch %.2fx faster%n", small[0].median() / huge[0].median());
        } else {
            System.out.println("huge pages: skipped (mounting a tmpfs needs root)");
        }
        System.out.printf("%-40s %10s %10s %10s %8s%n", "measure (ms)", "median", "min", "max", "ratio");
        for (String[] r : rows) {
            System.out.printf("%-40s %10s %10s %10s %8s%n", (Object[]) r);
        }
    }

    private static String[] row(String what, Samples s, Samples baseline) {
        return new String[] {what, String.format("%.3f", s.median()), String.format("%.3f", s.min()),
            String.format("%.3f", s.max()),
            baseline == null ? "" : String.format("%.2fx", s.median() / baseline.median())};
    }

    /** Mounts a tmpfs with huge=MODE, writes a segment there, times its first read in fresh JVMs. */
    private static Samples[] firstReadInFreshProcess(long mib, String hugeMode, int reps) throws Exception {
        Path mnt = Files.createTempDirectory("shm4j-huge-" + hugeMode);
        run("mount", "-t", "tmpfs", "-o", "size=" + (mib + 64) + "m,huge=" + hugeMode, "tmpfs", mnt.toString());
        try {
            ShmDirectory dir = ShmDirectory.of(mnt);
            Samples touch = new Samples();
            Samples read = new Samples();
            try (PendingSegment p = dir.reserve(SegmentSpec.of(mib << 20).withName("data").withHugePages(true));
                    Segment seg = p.publish()) {
                for (int r = 0; r < reps; r++) {
                    double[] t = childFirstRead(mnt, seg.name());
                    touch.add(t[0]);
                    read.add(t[1]);
                }
            }
            return new Samples[] {touch, read};
        } finally {
            run("umount", mnt.toString());
            Files.deleteIfExists(mnt);
        }
    }

    private static double[] childFirstRead(Path dir, String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), SegmentBench.class.getName(), "--first-read",
                dir.toString(), name).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("child failed: " + out);
        }
        String[] f = out.substring(out.lastIndexOf('\n') + 1).split(" ");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
    }

    /**
     * Child: maps the segment and reads all of it once (every page faults in on first touch).
     * The read kernel is JIT-compiled first on anonymous memory, so the time is page faults plus
     * memory bandwidth, not the interpreter.
     */
    private static void firstRead(Path dir, String name) {
        try (java.lang.foreign.Arena warm = java.lang.foreign.Arena.ofConfined()) {
            var w = warm.allocate(16 << 20, 64);
            for (int i = 0; i < 200; i++) {
                sumLongs(w);
            }
        }
        try (Segment s = ShmDirectory.of(dir).attach(name, io.shm4j.segment.Access.READ_ONLY)) {
            long t0 = System.nanoTime();
            long acc = touchPages(s.memory());
            double touch = (System.nanoTime() - t0) / 1e6;
            long t1 = System.nanoTime();
            acc += sumLongs(s.memory());
            double read = (System.nanoTime() - t1) / 1e6;
            System.out.println(acc == 42 ? "0 0" : touch + " " + read);
        }
    }

    private static long touchPages(java.lang.foreign.MemorySegment m) {
        long acc = 0;
        for (long off = 0; off < m.byteSize(); off += 4096) {
            acc += m.get(ValueLayout.JAVA_LONG, off);
        }
        return acc;
    }

    private static long sumLongs(java.lang.foreign.MemorySegment m) {
        long n = m.byteSize() / 8;
        long a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        long i = 0;
        for (; i + 3 < n; i += 4) {
            a0 += m.getAtIndex(ValueLayout.JAVA_LONG, i);
            a1 += m.getAtIndex(ValueLayout.JAVA_LONG, i + 1);
            a2 += m.getAtIndex(ValueLayout.JAVA_LONG, i + 2);
            a3 += m.getAtIndex(ValueLayout.JAVA_LONG, i + 3);
        }
        return a0 + a1 + a2 + a3;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("command failed: " + String.join(" ", cmd));
        }
    }
}
