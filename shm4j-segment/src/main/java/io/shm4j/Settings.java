package io.shm4j;

import java.nio.file.Path;

/**
 * Every system property and environment variable shm4j reads, in one place (documented in
 * {@code docs/configuration.md}). A system property wins over the environment variable.
 *
 * <p>Thread-safety: stateless; values are read on each call.
 */
public final class Settings {
    /** The shm directory: system property {@value}, environment {@code SHM4J_DIR}. */
    public static final String DIR_PROPERTY = "shm4j.dir";
    /** Environment variable for the shm directory. */
    public static final String DIR_ENV = "SHM4J_DIR";
    /** Default shm directory. */
    public static final Path DEFAULT_DIR = Path.of("/dev/shm");

    /** shm4j's own index and shape checks: {@value} (default {@code true}). */
    public static final String BOUNDS_CHECKS_PROPERTY = "shm4j.boundsChecks";
    /** Environment variable for bounds checks. */
    public static final String BOUNDS_CHECKS_ENV = "SHM4J_BOUNDS_CHECKS";

    /** Ask for transparent huge pages ({@code madvise(MADV_HUGEPAGE)}) on every mapping: {@value}. */
    public static final String HUGE_PAGES_PROPERTY = "shm4j.hugePages";
    /** Environment variable for huge pages. */
    public static final String HUGE_PAGES_ENV = "SHM4J_HUGE_PAGES";

    /**
     * The page stock's cap in bytes: {@value} (default {@code 0}, off). Suffixes {@code k},
     * {@code m}, {@code g} are binary (KiB, MiB, GiB). When set, a scoped segment this process owns
     * is kept aside on close, up to the cap, and its pages reused by the next creation that
     * overwrites every byte (see {@code docs/segment.md}, "Page stock").
     */
    public static final String PAGE_STOCK_PROPERTY = "shm4j.pageStock";
    /** Environment variable for the page stock's cap. */
    public static final String PAGE_STOCK_ENV = "SHM4J_PAGE_STOCK";

    private Settings() {}

    /** The shm directory in force. */
    public static Path shmDirectory() {
        String v = read(DIR_PROPERTY, DIR_ENV);
        return v == null || v.isBlank() ? DEFAULT_DIR : Path.of(v);
    }

    /** Whether shm4j checks indices and shapes (memory safety itself never depends on this). */
    public static boolean boundsChecks() {
        return bool(read(BOUNDS_CHECKS_PROPERTY, BOUNDS_CHECKS_ENV), true);
    }

    /** Whether every mapping asks the kernel for transparent huge pages. */
    public static boolean hugePages() {
        return bool(read(HUGE_PAGES_PROPERTY, HUGE_PAGES_ENV), false);
    }

    /**
     * The page stock's cap in bytes ({@code 0}: off).
     *
     * @throws Shm4jException if the value is not a size
     */
    public static long pageStockBytes() {
        String v = read(PAGE_STOCK_PROPERTY, PAGE_STOCK_ENV);
        if (v == null || v.isBlank()) {
            return 0;
        }
        String t = v.trim().toLowerCase(java.util.Locale.ROOT);
        long mult = switch (t.charAt(t.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        try {
            double n = Double.parseDouble(mult == 1 ? t : t.substring(0, t.length() - 1));
            if (!(n >= 0) || n * mult > Long.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (long) (n * mult);
        } catch (NumberFormatException e) {
            throw new Shm4jException("bad size setting: " + PAGE_STOCK_PROPERTY + "=" + v
                    + "; give bytes, or a number with k, m or g (for example 2g), or 0 to turn the page stock off");
        }
    }

    /** Reads a setting: the system property, else the environment variable, else null. */
    public static String read(String property, String env) {
        String v = System.getProperty(property);
        if (v == null && env != null) {
            v = System.getenv(env);
        }
        return v;
    }

    private static boolean bool(String v, boolean dflt) {
        if (v == null || v.isBlank()) {
            return dflt;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new Shm4jException("bad boolean setting: value=" + v
                    + "; use true or false");
        };
    }
}
