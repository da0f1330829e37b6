package io.shm4j.pool;

import java.io.Serializable;

/**
 * A unit of work sent to a worker: a serializable lambda or class. Whatever it captures is
 * serialized with it, so capture {@link io.shm4j.segment.SegmentRef refs} to shared data, never
 * the data itself.
 *
 * <p>Runs on one worker thread at a time; a worker JVM runs one task at a time.
 *
 * @param <R> the result type (serializable, or a {@link io.shm4j.segment.SegmentRef} to a result
 *     segment the worker created for the caller)
 */
@FunctionalInterface
public interface Task<R> extends Serializable {
    /**
     * Runs the task in a worker.
     *
     * @param context the worker's view: cached mappings of shared segments, the caller's identity
     * @return the result, sent back to the caller
     * @throws Exception any failure; it fails the task's future with the worker's stack trace
     */
    R call(TaskContext context) throws Exception;
}
