package io.shm4j.pool.internal;

import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.Access;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.ShmDirectory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mappings a worker keeps across tasks, keyed by incarnation (name, generation) and access,
 * with the array and frame made over each (parsed once). A mapping is made on first use and
 * <i>retired</i> when the caller releases the ref, when a sweep finds the name gone or replaced,
 * or when the worker stops.
 *
 * <p><b>Leases:</b> a task never gets the cache's handles. It takes a {@link Leases lease} on an
 * entry and gets {@linkplain Segment#borrow() borrowed} handles ({@link SharedArray#borrow()},
 * {@link SharedFrame#borrow()}): closing them does nothing. A retired entry leaves the cache at
 * once (later tasks map the incarnation again) but is unmapped only when its last lease ends;
 * the future {@link #release} returns completes then. This is the one rule of both backends: in
 * the processes backend tasks run one at a time and RELEASE runs between them, so no lease is
 * open then; in the threads backend a release waits for the tasks that use the mapping.
 *
 * <p><b>Threading:</b> thread-safe; each entry's lease count and state are guarded by the
 * entry. <b>Ownership:</b> owns every mapping, array and frame it holds; {@link #close()}
 * retires them all.
 */
final class MappingCache implements AutoCloseable {
    private record Key(String name, long generation, Access access) {}

    /** One mapping, and the array or frame made over it when asked for. */
    private static final class Entry {
        final Segment mapping;
        final CompletableFuture<Void> unmapped = new CompletableFuture<>();
        private SharedArray array;
        private SharedFrame frame;
        private int leases;
        private boolean retired;

        Entry(Segment mapping) {
            this.mapping = mapping;
        }

        /** Takes a lease; false if the entry was retired meanwhile (the caller maps anew). */
        synchronized boolean lease() {
            if (retired) {
                return false;
            }
            leases++;
            return true;
        }

        synchronized void unlease() {
            if (--leases == 0 && retired) {
                unmap();
            }
        }

        /** Retires the entry: unmapped now if no lease is open, else when the last one ends. */
        synchronized CompletableFuture<Void> retire() {
            if (!retired) {
                retired = true;
                if (leases == 0) {
                    unmap();
                }
            }
            return unmapped;
        }

        synchronized SharedArray array() {
            if (array == null) {
                array = SharedArray.of(mapping.borrow()); // a bad format closes the borrowed handle only
            }
            return array;
        }

        synchronized SharedFrame frame() {
            if (frame == null) {
                frame = SharedFrame.of(mapping.borrow());
            }
            return frame;
        }

        private void unmap() {
            try {
                if (array != null) {
                    array.close();
                }
                if (frame != null) {
                    frame.close();
                }
                mapping.close();
            } finally {
                unmapped.complete(null);
            }
        }
    }

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();

    /** Leases an entry for {@code ref} with {@code access}, mapping it now if this worker has none. */
    private Entry lease(SegmentRef ref, Access access) {
        Key key = new Key(ref.name(), ref.generation(), access);
        while (true) {
            Entry e = entries.get(key);
            if (e == null) {
                e = entries.computeIfAbsent(key, k -> new Entry(Segment.attach(ref, access)));
            }
            if (e.lease()) {
                return e;
            }
            entries.remove(key, e); // retired under us: map it again
        }
    }

    /** A new set of leases for one task; {@link Leases#close()} ends them all. */
    Leases leases() {
        return new Leases(this);
    }

    /**
     * Retires every mapping of the incarnation; the future completes when all of them are
     * unmapped (when the last task using them ends). Returns with the count of mappings retired.
     */
    Release release(String name, long generation) {
        List<CompletableFuture<Void>> unmapped = new ArrayList<>(2);
        for (Map.Entry<Key, Entry> m : entries.entrySet()) {
            Key k = m.getKey();
            if (k.name().equals(name) && k.generation() == generation && entries.remove(k, m.getValue())) {
                unmapped.add(m.getValue().retire());
            }
        }
        return new Release(unmapped.size(), unmapped.isEmpty() ? CompletableFuture.completedFuture(null)
                : CompletableFuture.allOf(unmapped.toArray(CompletableFuture[]::new)));
    }

    /** What a release did: mappings retired, and when they are all unmapped. */
    record Release(int retired, CompletableFuture<Void> unmapped) {}

    /** Retires the mappings whose name is gone or now holds another incarnation. */
    int sweep() {
        ShmDirectory dir = ShmDirectory.current();
        int n = 0;
        Map<String, Optional<SegmentInfo>> seen = new HashMap<>();
        for (Key k : List.copyOf(entries.keySet())) {
            Optional<SegmentInfo> info = seen.computeIfAbsent(k.name(), name -> {
                try {
                    return dir.find(name);
                } catch (RuntimeException e) {
                    return Optional.empty();
                }
            });
            if (info.isEmpty() || info.get().generation() != k.generation()) {
                n += release(k.name(), k.generation()).retired();
            }
        }
        return n;
    }

    /** The number of mappings held (retired ones still leased not counted). */
    int size() {
        return entries.size();
    }

    /** Retires everything: unmapped now, or when the last lease ends. */
    @Override
    public void close() {
        for (Map.Entry<Key, Entry> m : entries.entrySet()) {
            if (entries.remove(m.getKey(), m.getValue())) {
                m.getValue().retire();
            }
        }
    }

    /**
     * The leases of one task: one per entry it touched, with the borrowed handles it was given
     * (the same ones each time it asks again). Ended by {@link #close()} when the task ends,
     * whatever the task did with the handles.
     *
     * <p>Used by the task's thread; {@link #close()} by the thread that ran the task, after it.
     */
    static final class Leases implements AutoCloseable {
        private final MappingCache cache;
        private Map<Key, Lease> held; // made on first use: most tasks of a hot loop map nothing new

        private Leases(MappingCache cache) {
            this.cache = cache;
        }

        private static final class Lease {
            final Entry entry;
            Segment segment;
            SharedArray array;
            SharedFrame frame;

            Lease(Entry entry) {
                this.entry = entry;
            }
        }

        private Lease lease(SegmentRef ref, Access access) {
            if (held == null) {
                held = new HashMap<>(4);
            }
            Key key = new Key(ref.name(), ref.generation(), access);
            Lease l = held.get(key);
            if (l == null) {
                l = new Lease(cache.lease(ref, access));
                held.put(key, l);
            }
            return l;
        }

        Segment segment(SegmentRef ref, Access access) {
            Lease l = lease(ref, access);
            if (l.segment == null) {
                l.segment = l.entry.mapping.borrow();
            }
            return l.segment;
        }

        SharedArray array(SegmentRef ref, Access access) {
            Lease l = lease(ref, access);
            if (l.array == null) {
                l.array = l.entry.array().borrow();
            }
            return l.array;
        }

        SharedFrame frame(SegmentRef ref) {
            Lease l = lease(ref, Access.READ_ONLY);
            if (l.frame == null) {
                l.frame = l.entry.frame().borrow();
            }
            return l.frame;
        }

        /** Ends every lease; retired mappings with no lease left are unmapped now. */
        @Override
        public void close() {
            if (held != null) {
                for (Lease l : held.values()) {
                    l.entry.unlease();
                }
                held = null;
            }
        }
    }
}
