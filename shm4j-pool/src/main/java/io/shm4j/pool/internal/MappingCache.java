package io.shm4j.pool.internal;

import io.shm4j.array.SharedArray;
import io.shm4j.segment.Access;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.ShmDirectory;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mappings a worker keeps across tasks, keyed by incarnation (name, generation) and access.
 * A mapping is made on first use and dropped when the caller releases the ref, when a sweep
 * finds the name gone or replaced, or when the worker stops.
 *
 * <p>Thread-safe. Owns every segment it holds: callers must not close them.
 */
final class MappingCache implements AutoCloseable {
    private record Key(String name, long generation, Access access) {}

    private final Map<Key, Segment> mappings = new ConcurrentHashMap<>();
    /** Arrays over cached mappings; an array owns its segment handle, so they are closed together. */
    private final Map<Key, SharedArray> arrays = new ConcurrentHashMap<>();

    /** The array {@code ref} names, over the cached mapping (made now if there is none). */
    SharedArray array(SegmentRef ref, Access access) {
        Key key = new Key(ref.name(), ref.generation(), access);
        SharedArray a = arrays.get(key);
        if (a != null) {
            return a;
        }
        return arrays.computeIfAbsent(key, k -> {
            Segment old = mappings.remove(k);
            return SharedArray.wrap(old != null && !old.isClosed() ? old : Segment.attach(ref, access));
        });
    }

    /** The mapping of {@code ref} with {@code access}, made now if this worker has none. */
    Segment get(SegmentRef ref, Access access) {
        Key key = new Key(ref.name(), ref.generation(), access);
        SharedArray a = arrays.get(key);
        if (a != null) {
            return a.segment();
        }
        Segment s = mappings.get(key);
        if (s != null && !s.isClosed()) {
            return s;
        }
        return mappings.compute(key, (k, old) -> old != null && !old.isClosed() ? old
                : Segment.attach(ref, access));
    }

    /** Unmaps every mapping of the incarnation; returns how many there were. */
    int release(String name, long generation) {
        int n = 0;
        for (Key k : mappings.keySet()) {
            if (k.name().equals(name) && k.generation() == generation) {
                Segment s = mappings.remove(k);
                if (s != null) {
                    s.close();
                    n++;
                }
            }
        }
        for (Key k : arrays.keySet()) {
            if (k.name().equals(name) && k.generation() == generation) {
                SharedArray a = arrays.remove(k);
                if (a != null) {
                    a.close();
                    n++;
                }
            }
        }
        return n;
    }

    /** Unmaps the segments whose name is gone or now holds another incarnation. */
    int sweep() {
        ShmDirectory dir = ShmDirectory.current();
        int n = 0;
        java.util.Set<Key> keys = new java.util.HashSet<>(mappings.keySet());
        keys.addAll(arrays.keySet());
        for (Key k : keys) {
            Optional<SegmentInfo> info;
            try {
                info = dir.find(k.name());
            } catch (RuntimeException e) {
                info = Optional.empty();
            }
            if (info.isEmpty() || info.get().generation() != k.generation()) {
                n += release(k.name(), k.generation());
            }
        }
        return n;
    }

    /** The number of mappings held. */
    int size() {
        return mappings.size() + arrays.size();
    }

    /** Unmaps everything. */
    @Override
    public void close() {
        for (Key k : mappings.keySet()) {
            Segment s = mappings.remove(k);
            if (s != null) {
                s.close();
            }
        }
        for (Key k : arrays.keySet()) {
            SharedArray a = arrays.remove(k);
            if (a != null) {
                a.close();
            }
        }
    }
}
