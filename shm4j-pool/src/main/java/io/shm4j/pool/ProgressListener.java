package io.shm4j.pool;

/**
 * Receives {@link ProgressEvent}s. Called on the pool's I/O thread after each task of a batch
 * operation ends: keep it short and do not block.
 */
@FunctionalInterface
public interface ProgressListener {
    /** One task of {@code event.job()} ended. */
    void onProgress(ProgressEvent event);
}
