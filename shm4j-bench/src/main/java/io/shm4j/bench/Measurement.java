package io.shm4j.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One strategy measured on one workload: the task times of every timed run, the set-up time
 * (pool start, {@code ray.init}, data creation) apart, per-worker memory, and whether the
 * answer was right.
 *
 * @param workload A, B, C or D
 * @param language java or python
 * @param strategy the strategy's short name (for example {@code shm4j-processes})
 * @param variant what varies within a strategy (for example {@code tasks=8}), or empty
 * @param seconds the timed runs, in seconds
 * @param setupSeconds set-up time, measured once, in seconds (NaN if not applicable)
 * @param memoryMiB per-worker memory figures in MiB (for example {@code anon}, {@code rss}, {@code pss})
 * @param check "ok", or what was wrong with the answer
 * @param family what kind of strategy: {@code shared}, {@code copied} or {@code baseline}
 */
public record Measurement(String workload, String language, String strategy, String variant,
        Samples seconds, double setupSeconds, Map<String, Double> memoryMiB, String check, String family) {

    public Measurement {
        memoryMiB = new LinkedHashMap<>(memoryMiB);
    }

    /** The label used in tables and charts: {@code language strategy [variant]}. */
    public String label() {
        return language + " " + strategy + (variant.isEmpty() ? "" : " [" + variant + "]");
    }

    public double median() {
        return seconds.median();
    }

    public boolean ok() {
        return "ok".equals(check);
    }
}
