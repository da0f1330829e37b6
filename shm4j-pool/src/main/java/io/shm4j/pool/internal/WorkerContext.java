package io.shm4j.pool.internal;

import io.shm4j.pool.TaskContext;
import io.shm4j.segment.Access;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;

/**
 * The context of one running task: its leases on the worker's mapping cache and its object-store
 * handles (both ended by the backend when the task ends, {@link #end()}) and the task's facts.
 * Used by the task's thread only; {@link #end()} by the thread that ran the task, after it.
 *
 * <p>What {@code segment}, {@code array} and {@code frame} return are borrowed handles on the
 * cache's mappings: closing them does nothing, and the mappings stay while the task runs, even
 * if the caller releases the ref meanwhile.
 *
 * <p>Ownership of results: {@code publishResult} unmaps the task's handle without removing the
 * name ({@link Segment#closeWithoutUnlink()}), in both backends, so the pool never holds a
 * result: the caller owns it from the ref on (in the threads backend the caller's process is
 * this one, and the handle would otherwise be an owning one).
 */
record WorkerContext(MappingCache.Leases leases, StoreHandles.TaskScope stores, ProcessIdentity caller,
        long taskId, int workerIndex, java.util.List<SegmentRef> published, RemoteTasks.RefResolver resolver)
        implements TaskContext {
    WorkerContext(MappingCache cache, StoreHandles.TaskScope stores, ProcessIdentity caller, long taskId,
            int workerIndex) {
        this(cache.leases(), stores, caller, taskId, workerIndex, new java.util.ArrayList<>(1), null);
    }

    /** A context whose refs name segments of another node, resolved to local copies by {@code resolver}. */
    WorkerContext(MappingCache cache, StoreHandles.TaskScope stores, ProcessIdentity caller, long taskId,
            int workerIndex, RemoteTasks.RefResolver resolver) {
        this(cache.leases(), stores, caller, taskId, workerIndex, new java.util.ArrayList<>(1), resolver);
    }

    private SegmentRef local(SegmentRef ref, Access access) {
        return resolver == null ? ref : resolver.resolve(ref, access);
    }

    /**
     * Ends the task's leases and store handles (its pins), before its result is sent; the
     * failure of closing the stores, if any, is returned.
     */
    RuntimeException end() {
        leases.close();
        try {
            stores.close();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    @Override
    public io.shm4j.frame.SharedFrame frame(SegmentRef ref) {
        return leases.frame(local(ref, Access.READ_ONLY));
    }

    @Override
    public io.shm4j.store.ObjectStore store(String name) {
        return stores.store(name);
    }

    @Override
    public io.shm4j.array.SharedArray array(SegmentRef ref, Access access) {
        return leases.array(local(ref, access), access);
    }

    @Override
    public SegmentRef publishResult(io.shm4j.array.SharedArray array) {
        SegmentRef ref = array.ref();
        array.segment().closeWithoutUnlink(); // the caller's now, even in the caller's own process
        published.add(ref);
        return ref;
    }

    @Override
    public SegmentRef publishResult(io.shm4j.segment.PendingSegment pending) {
        Segment published = pending.publish();
        SegmentRef ref = published.ref();
        published.closeWithoutUnlink(); // the caller's now, even in the caller's own process
        this.published.add(ref);
        return ref;
    }

    @Override
    public Segment segment(SegmentRef ref, Access access) {
        return leases.segment(local(ref, access), access);
    }
}
