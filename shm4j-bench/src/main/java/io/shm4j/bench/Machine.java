package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What the results came from: CPU, cores, memory, shm directory, kernel, Java, date. Stateless. */
public final class Machine {
    private Machine() {}

    /** The description printed above the table and stored in results.json. */
    public static Map<String, String> describe(BenchOptions o) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("cpu", cpuModel());
        m.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("memory_gib", String.format(Locale.ROOT, "%.1f", memTotalBytes() / 0x1p30));
        Path shm = io.shm4j.Settings.shmDirectory();
        m.put("shm_dir", shm + " (" + String.format(Locale.ROOT, "%.1f", shm.toFile().getTotalSpace() / 0x1p30)
                + " GiB)");
        m.put("thp_shmem", firstLine(Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled")));
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("java", Runtime.version().toString());
        m.put("jvm_flags", String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean()
                .getInputArguments().stream().filter(a -> a.startsWith("-X")).toList()));
        m.put("size_factor", SizeFactor.format(o.factor()));
        m.put("workers", Integer.toString(o.workers()));
        m.put("reps", Integer.toString(o.reps()));
        m.put("warmup", Integer.toString(o.warmup()));
        return m;
    }

    static String cpuModel() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    return l.substring(l.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return "unknown";
    }

    static long memTotalBytes() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return Long.parseLong(l.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return 0;
    }

    private static String firstLine(Path p) {
        try {
            return Files.readAllLines(p).stream().findFirst().orElse("?").strip();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
