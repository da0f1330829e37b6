package io.shm4j.pool.internal;

import io.shm4j.store.ObjectStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The object stores a worker's tasks use ({@code TaskContext.store}): the worker opens each store
 * once, by name in its shm directory, and keeps that handle (its connection to the store) until
 * it stops; each task gets handles of its own on top, closed when the task ends, so that the
 * task's pins (its gets and puts) never outlive it. A worker killed mid-task stops pinning at once
 * (pins are checked for liveness).
 *
 * <p>Thread-safe. Owns the long-lived handles: {@link #close()} closes them (worker exit, or the
 * threads pool's close).
 */
final class StoreHandles implements AutoCloseable {
    private final Map<String, ObjectStore> connections = new ConcurrentHashMap<>();

    /** A new handle on store {@code name} for one task (the worker's connection made on first use). */
    ObjectStore open(String name) {
        connections.computeIfAbsent(name, ObjectStore::open);
        return ObjectStore.open(name); // cheap: this process is connected already
    }

    /** Closes the long-lived handles (the last one of a store here disconnects this process). */
    @Override
    public void close() {
        for (String name : connections.keySet()) {
            ObjectStore s = connections.remove(name);
            if (s != null) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    // exiting: the next opener removes this process's membership by liveness
                }
            }
        }
    }

    /**
     * The handles of one task, opened on first use and closed at its end. Used by the task's
     * thread only.
     */
    static final class TaskScope implements AutoCloseable {
        private final StoreHandles handles;
        private final Map<String, ObjectStore> open = new LinkedHashMap<>(2);

        TaskScope(StoreHandles handles) {
            this.handles = handles;
        }

        ObjectStore store(String name) {
            ObjectStore s = open.get(name);
            if (s == null) {
                s = handles.open(name);
                open.put(name, s);
            }
            return s;
        }

        /** Releases every hold the task took. */
        @Override
        public void close() {
            RuntimeException first = null;
            for (ObjectStore s : open.values()) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            open.clear();
            if (first != null) {
                throw first;
            }
        }
    }
}
