package io.shm4j.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One strategy measured on one workload: the task times of every timed run, the set-up times
 * (pool start, {@code ray.init}, data creation, making it visible) apart, per-worker memory,
 * and whether the answer was right. Immutable.
 *
 * @param workload A, B, C or D
 * @param language java or python
 * @param strategy the strategy's short name (for example {@code shm4j-processes})
 * @param variant what varies within a strategy (for example {@code tasks=8}), or empty
 * @param seconds the timed runs, in seconds (warm-up excluded)
 * @param setup set-up times in seconds, measured once: {@code pool_start_s}, {@code data_s},
 *     {@code put_s}, {@code ray_init_s} (absent = not applicable)
 * @param memoryMiB per-worker memory in MiB, the largest over the workers: {@code anon},
 *     {@code rss}, {@code pss} after the task, and {@code anon_added}, {@code rss_added},
 *     {@code pss_added}, the growth during the strategy's runs
 * @param check "ok", or what was wrong with the answer
 * @param family what kind of strategy: {@code shared}, {@code copied} or {@code baseline}
 */
public record Measurement(String workload, String language, String strategy, String variant,
        Samples seconds, Map<String, Double> setup, Map<String, Double> memoryMiB, String check, String family) {

    public static final String POOL_START = "pool_start_s";
    public static final String DATA = "data_s";
    public static final String PUT = "put_s";
    public static final String RAY_INIT = "ray_init_s";

    public Measurement {
        setup = Collections.unmodifiableMap(new LinkedHashMap<>(setup));
        memoryMiB = Collections.unmodifiableMap(new LinkedHashMap<>(memoryMiB));
    }

    /** The label used in tables and charts: {@code language strategy [variant]}. */
    public String label() {
        return language + " " + strategy + (variant.isEmpty() ? "" : " [" + variant + "]");
    }

    public double median() {
        return seconds.median();
    }

    /** One set-up time in seconds, NaN if not applicable. */
    public double setup(String key) {
        Double v = setup.get(key);
        return v == null ? Double.NaN : v;
    }

    /** All set-up times added up (NaN if there are none). */
    public double setupSeconds() {
        return setup.isEmpty() ? Double.NaN : setup.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** A memory figure in MiB, NaN if not measured. */
    public double memory(String key) {
        Double v = memoryMiB.get(key);
        return v == null ? Double.NaN : v;
    }

    public boolean ok() {
        return "ok".equals(check);
    }
}
