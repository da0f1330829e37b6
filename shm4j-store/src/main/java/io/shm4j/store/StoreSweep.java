package io.shm4j.store;

import java.util.List;
import java.util.Map;

/**
 * What a sweep of abandoned object stores did ({@link StoreAdmin#sweep}).
 *
 * @param removed the stores removed (every process that had them open was dead)
 * @param skipped the stores left alone, with the reason: busy (another process held the lock
 *     too long), damaged, or not this user's real directory
 */
public record StoreSweep(List<String> removed, Map<String, String> skipped) {
    /** Copies the lists. */
    public StoreSweep {
        removed = List.copyOf(removed);
        skipped = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(skipped));
    }
}
