package io.shm4j.store.internal;

import io.shm4j.store.ObjectStoreFullException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The put/evict decision as a pure function: which unpinned objects to free, least recently
 * used first, so that {@code requested} more bytes fit in the capacity, or
 * {@link ObjectStoreFullException} when pinned objects alone leave no room.
 *
 * <p>Stateless and thread-safe. The caller holds the store lock and applies the plan.
 */
final class CapacityPlanner {
    private CapacityPlanner() {}

    /**
     * An object in memory as the planner sees it.
     *
     * @param name the object's name
     * @param size its size
     * @param lastAccessNanos its last access (epoch nanoseconds)
     * @param pinned whether a live process pins it or a put in progress reserves it
     */
    record Candidate(String name, long size, long lastAccessNanos, boolean pinned) {}

    /**
     * The decision.
     *
     * @param victims objects to free, in order
     * @param used bytes in memory and reserved before freeing
     * @param pinned bytes pinned or reserved
     */
    record Plan(List<Candidate> victims, long used, long pinned) {}

    /**
     * @param pendingBytes bytes reserved by puts in progress whose objects are not yet in memory
     */
    static Plan plan(String store, long capacity, long requested, List<Candidate> residents, long pendingBytes) {
        long used = pendingBytes;
        long pinned = pendingBytes;
        for (Candidate c : residents) {
            used += c.size();
            if (c.pinned()) {
                pinned += c.size();
            }
        }
        if (fits(used, requested, capacity)) {
            return new Plan(List.of(), used, pinned);
        }
        if (!fits(pinned, requested, capacity)) {
            throw new ObjectStoreFullException(store, requested, capacity, pinned, used);
        }
        List<Candidate> lru = new ArrayList<>();
        for (Candidate c : residents) {
            if (!c.pinned()) {
                lru.add(c);
            }
        }
        lru.sort(Comparator.comparingLong(Candidate::lastAccessNanos).thenComparing(Candidate::name));
        List<Candidate> victims = new ArrayList<>();
        long after = used;
        for (Candidate c : lru) {
            if (fits(after, requested, capacity)) {
                break;
            }
            victims.add(c);
            after -= c.size();
        }
        return new Plan(victims, used, pinned);
    }

    static boolean fits(long used, long requested, long capacity) {
        return requested <= capacity && used <= capacity - requested;
    }
}
