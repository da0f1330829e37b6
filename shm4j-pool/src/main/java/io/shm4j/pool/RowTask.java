package io.shm4j.pool;

import java.io.Serializable;

/**
 * Work on one row range of a shared object: what {@link WorkerPool#mapRows mapRows} runs once
 * per chunk (pandarallel's {@code parallel_apply}).
 *
 * @param <R> the result type
 */
@FunctionalInterface
public interface RowTask<R> extends Serializable {
    /**
     * Processes the rows {@code chunk.start() ≤ row < chunk.end()} of {@code chunk.ref()}.
     *
     * @param chunk the shared object and the rows to process
     * @param context the worker's view; {@code context.segment(chunk.ref())} maps it once per worker
     * @return the chunk's result
     * @throws Exception any failure
     */
    R apply(RowChunk chunk, TaskContext context) throws Exception;
}
