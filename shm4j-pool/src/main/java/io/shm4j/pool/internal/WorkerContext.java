package io.shm4j.pool.internal;

import io.shm4j.pool.TaskContext;
import io.shm4j.segment.Access;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;

/** The context of one running task: the worker's mapping cache plus the task's facts. Immutable. */
record WorkerContext(MappingCache cache, ProcessIdentity caller, long taskId, int workerIndex)
        implements TaskContext {
    @Override
    public Segment segment(SegmentRef ref, Access access) {
        return cache.get(ref, access);
    }
}
