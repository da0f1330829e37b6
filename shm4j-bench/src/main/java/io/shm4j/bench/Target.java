package io.shm4j.bench;

import java.util.Locale;

/**
 * One target of issues 5 and 6 evaluated on a run: a measured ratio (or amount) against its
 * limit.
 *
 * @param workload the workload it is about
 * @param what what is compared, in words
 * @param value the measured value
 * @param unit {@code x} for a ratio, or a unit such as {@code s} or {@code MiB}
 * @param atMost true when the target is {@code value <= limit}, false for {@code value >= limit}
 * @param limit the limit
 */
public record Target(String workload, String what, double value, String unit, boolean atMost, double limit) {
    /** Whether the target is met. */
    public boolean met() {
        return atMost ? value <= limit : value >= limit;
    }

    /** One line: {@code A: what = 1.10x (target <= 1.25x) met}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s: %s = %.2f%s (target %s %.2f%s) %s", workload, what, value, unit,
                atMost ? "<=" : ">=", limit, unit, met() ? "met" : "MISSED");
    }
}
