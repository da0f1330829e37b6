package io.shm4j.pool.internal;

import io.shm4j.pool.TaskContext;
import io.shm4j.segment.Access;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;

/**
 * The context of one running task: the worker's mapping cache, the task's object-store handles
 * (closed by the backend when the task ends), the task's facts, and where to keep result handles
 * that must not be closed here (threads backend). Used by the task's thread only.
 */
record WorkerContext(MappingCache cache, StoreHandles.TaskScope stores, ProcessIdentity caller, long taskId,
        int workerIndex, java.util.function.Consumer<AutoCloseable> keep) implements TaskContext {
    @Override
    public io.shm4j.frame.SharedFrame frame(SegmentRef ref) {
        return cache.frame(ref);
    }

    @Override
    public io.shm4j.store.ObjectStore store(String name) {
        return stores.store(name);
    }

    @Override
    public io.shm4j.array.SharedArray array(SegmentRef ref, Access access) {
        return cache.array(ref, access);
    }

    @Override
    public SegmentRef publishResult(io.shm4j.array.SharedArray array) {
        SegmentRef ref = array.ref();
        if (array.segment().isOwning()) {
            keep.accept(array); // in the caller's own process: closing would remove it
        } else {
            array.close();
        }
        return ref;
    }

    @Override
    public SegmentRef publishResult(io.shm4j.segment.PendingSegment pending) {
        Segment published = pending.publish();
        SegmentRef ref = published.ref();
        if (published.isOwning()) {
            keep.accept(published); // in the caller's own process: closing would remove it
        } else {
            published.close();
        }
        return ref;
    }

    @Override
    public Segment segment(SegmentRef ref, Access access) {
        return cache.get(ref, access);
    }
}
