package io.shm4j.pool.internal;

import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.Access;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.ShmDirectory;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The mappings a worker keeps across tasks, keyed by incarnation (name, generation) and access:
 * plain segments, and arrays and frames made over them (which then own the mapping). A mapping
 * is made on first use and dropped when the caller releases the ref, when a sweep finds the
 * name gone or replaced, or when the worker stops.
 *
 * <p>Thread-safe. Owns every segment, array and frame it holds: callers must not close them.
 */
final class MappingCache implements AutoCloseable {
    private record Key(String name, long generation, Access access) {}

    private final Map<Key, Segment> mappings = new ConcurrentHashMap<>();
    /** Arrays and frames over cached mappings; each owns its segment handle, so they close together. */
    private final Map<Key, AutoCloseable> wrapped = new ConcurrentHashMap<>();

    /** The array {@code ref} names, over the cached mapping (made now if there is none). */
    SharedArray array(SegmentRef ref, Access access) {
        return wrapped(ref, access, SharedArray.class, SharedArray::of);
    }

    /** The frame {@code ref} names, read-only, over the cached mapping (made now if there is none). */
    SharedFrame frame(SegmentRef ref) {
        return wrapped(ref, Access.READ_ONLY, SharedFrame.class, SharedFrame::of);
    }

    private <T extends AutoCloseable> T wrapped(SegmentRef ref, Access access, Class<T> type,
            Function<Segment, T> wrap) {
        Key key = new Key(ref.name(), ref.generation(), access);
        AutoCloseable w = wrapped.get(key);
        if (w == null) {
            w = wrapped.computeIfAbsent(key, k -> {
                Segment old = mappings.remove(k);
                return wrap.apply(old != null && !old.isClosed() ? old : Segment.attach(ref, access));
            });
        }
        if (!type.isInstance(w)) {
            throw new IllegalArgumentException("segment is already used as another type in this worker: name="
                    + ref.name() + ", asked=" + type.getSimpleName() + ", cached=" + w.getClass().getSimpleName()
                    + "; a segment is either an array or a frame");
        }
        return type.cast(w);
    }

    /** The mapping of {@code ref} with {@code access}, made now if this worker has none. */
    Segment get(SegmentRef ref, Access access) {
        Key key = new Key(ref.name(), ref.generation(), access);
        AutoCloseable w = wrapped.get(key);
        if (w != null) {
            return segmentOf(w);
        }
        Segment s = mappings.get(key);
        if (s != null && !s.isClosed()) {
            return s;
        }
        return mappings.compute(key, (k, old) -> old != null && !old.isClosed() ? old
                : Segment.attach(ref, access));
    }

    private static Segment segmentOf(AutoCloseable w) {
        return switch (w) {
            case SharedArray a -> a.segment();
            case SharedFrame f -> f.segment();
            default -> throw new IllegalStateException("not a wrapper: " + w.getClass());
        };
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
        for (Key k : wrapped.keySet()) {
            if (k.name().equals(name) && k.generation() == generation) {
                AutoCloseable w = wrapped.remove(k);
                if (w != null) {
                    closeQuietly(w);
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
        Set<Key> keys = new HashSet<>(mappings.keySet());
        keys.addAll(wrapped.keySet());
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
        return mappings.size() + wrapped.size();
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
        for (Key k : wrapped.keySet()) {
            AutoCloseable w = wrapped.remove(k);
            if (w != null) {
                closeQuietly(w);
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // SharedArray and SharedFrame close without checked failures; unmapped at exit otherwise
        }
    }
}
