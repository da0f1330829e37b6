package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's size: a factor of the default sizes (1 = A 1.5 GB, B 1000 × 5000, C/D 10
 * million records), with the same meaning as {@code bench.py --size}, so Java and Python run
 * the same data. Written as a factor ({@code 0.2}) or as A's array size with a unit
 * ({@code 200MB}, {@code 1.5GB}, {@code 1GiB}). Stateless.
 */
public final class SizeFactor {
    /** A's size at factor 1, in bytes. */
    public static final long A_DEFAULT_BYTES = 1_500_000_000L;
    /** The largest factor (A's heap copy must stay below 2^31 elements). */
    public static final double MAX = 10;
    /**
     * Memory one run needs per unit of factor, in bytes: the benchmark JVM's heap (see
     * {@link Relaunch#benchHeap}: A's heap copy, slices and frames in serialization; B's 50
     * results), two workers each receiving a 750 MB slice (about 2.3 GB each while decoding),
     * A's shared array and its object-store copy.
     */
    static final double BYTES_PER_FACTOR = 15e9;
    /** Shared memory one run needs per unit of factor: B's 2 GB output (+ frame), A's array and store copy. */
    static final double SHM_BYTES_PER_FACTOR = 4.5e9;

    private static final Pattern SIZE = Pattern.compile("\\s*([0-9]*\\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\\s*([a-zA-Z]*)\\s*");
    private static final Map<String, Double> UNITS = Map.ofEntries(Map.entry("", 1.0), Map.entry("b", 1.0),
            Map.entry("kb", 1e3), Map.entry("mb", 1e6), Map.entry("gb", 1e9), Map.entry("tb", 1e12),
            Map.entry("kib", 0x1p10), Map.entry("mib", 0x1p20), Map.entry("gib", 0x1p30), Map.entry("tib", 0x1p40));

    private SizeFactor() {}

    /**
     * Parses a size.
     *
     * @throws IllegalArgumentException with a message for the user
     */
    public static double parse(String text) {
        Matcher m = SIZE.matcher(text);
        String unit = m.matches() ? m.group(2).toLowerCase(Locale.ROOT) : null;
        if (unit == null || !UNITS.containsKey(unit)) {
            throw new IllegalArgumentException("bad size '" + text + "': a factor like 0.1 or bytes like 200MB, 1.5GB, 1GiB");
        }
        double value = Double.parseDouble(m.group(1));
        double factor = unit.isEmpty() ? value : value * UNITS.get(unit) / A_DEFAULT_BYTES;
        if (!(factor > 0) || factor > MAX) {
            throw new IllegalArgumentException("size out of range '" + text + "': factor=" + factor
                    + " (0 < factor <= " + MAX + ")");
        }
        return factor;
    }

    /**
     * The largest factor up to 1 that fits this machine: available memory and free space in
     * the shm directory, rounded down to 0.05 (at least 0.05).
     */
    public static double defaultFor(Path shmDir) {
        double byMemory = availableMemoryBytes() / BYTES_PER_FACTOR;
        double byShm = shmDir.toFile().getUsableSpace() / SHM_BYTES_PER_FACTOR;
        double f = Math.min(1.0, Math.min(byMemory, byShm));
        return Math.max(0.05, Math.floor(f * 20) / 20);
    }

    /** MemAvailable from /proc/meminfo, in bytes (or the JVM's max heap when unreadable). */
    public static long availableMemoryBytes() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemAvailable:")) {
                    return Long.parseLong(l.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** {@code 0.2} or {@code 1}: how a factor is written on a command line. */
    public static String format(double factor) {
        String s = String.format(Locale.ROOT, "%.6f", factor).replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
