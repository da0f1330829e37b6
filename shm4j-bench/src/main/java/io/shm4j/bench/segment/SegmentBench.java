package io.shm4j.bench.segment;

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
        try (Segment s = Segment.create(io.shm4j.segment.SegmentNames.generate(), size)) {
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
            Samples small = firstReadInFreshProcess(hugeMiB, "never", reps);
            Samples huge = firstReadInFreshProcess(hugeMiB, "always", reps);
            rows.add(row("first read " + hugeMiB + " MiB, 4 KiB pages", small, huge));
            rows.add(row("first read " + hugeMiB + " MiB, 2 MiB pages", huge, huge));
            System.out.printf("huge pages speed-up on first read: %.2fx%n", small.median() / huge.median());
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
    private static Samples firstReadInFreshProcess(long mib, String hugeMode, int reps) throws Exception {
        Path mnt = Files.createTempDirectory("shm4j-huge-" + hugeMode);
        run("mount", "-t", "tmpfs", "-o", "size=" + (mib + 64) + "m,huge=" + hugeMode, "tmpfs", mnt.toString());
        try {
            ShmDirectory dir = ShmDirectory.of(mnt);
            Samples s = new Samples();
            try (PendingSegment p = dir.reserve(SegmentSpec.of(mib << 20).withName("data").withHugePages(true));
                    Segment seg = p.publish()) {
                for (int r = 0; r < reps; r++) {
                    s.add(childFirstRead(mnt, seg.name()));
                }
            }
            return s;
        } finally {
            run("umount", mnt.toString());
            Files.deleteIfExists(mnt);
        }
    }

    private static double childFirstRead(Path dir, String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), SegmentBench.class.getName(), "--first-read",
                dir.toString(), name).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("child failed: " + out);
        }
        return Double.parseDouble(out.substring(out.lastIndexOf('\n') + 1));
    }

    /** Child: maps the segment and reads all of it once (every page faults in on first touch). */
    private static void firstRead(Path dir, String name) {
        try (Segment s = ShmDirectory.of(dir).attach(name, io.shm4j.segment.Access.READ_ONLY)) {
            var m = s.memory();
            long t0 = System.nanoTime();
            long acc = 0;
            long n = m.byteSize() / 8;
            long a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            long i = 0;
            for (; i + 3 < n; i += 4) {
                a0 += m.getAtIndex(ValueLayout.JAVA_LONG, i);
                a1 += m.getAtIndex(ValueLayout.JAVA_LONG, i + 1);
                a2 += m.getAtIndex(ValueLayout.JAVA_LONG, i + 2);
                a3 += m.getAtIndex(ValueLayout.JAVA_LONG, i + 3);
            }
            acc = a0 + a1 + a2 + a3;
            double ms = (System.nanoTime() - t0) / 1e6;
            System.out.println(acc == 42 ? ms + 0.0 : ms);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("command failed: " + String.join(" ", cmd));
        }
    }
}
