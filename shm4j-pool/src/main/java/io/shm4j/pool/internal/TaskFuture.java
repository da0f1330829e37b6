package io.shm4j.pool.internal;

import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The future of one task, carrying the result segments its task published
 * ({@code TaskContext.publishResult}): segments owned by the caller that only the caller's
 * adoption keeps. When nobody will take the result (the future was cancelled before the answer
 * came, the task failed after publishing, or a batch operation threw and dropped its results),
 * the pool {@linkplain #discardPublished removes} them, so they do not stay in the shm directory
 * until the caller exits.
 *
 * <p>Thread-safe: {@link #published} is set before the future completes. Public for engine
 * modules only: no compatibility promise.
 */
public final class TaskFuture<T> extends CompletableFuture<T> {
    private volatile List<SegmentRef> published = List.of();

    /** A future not completed yet. */
    public TaskFuture() {}

    /** Records the result segments the task published; before completing. */
    public void published(List<SegmentRef> refs) {
        this.published = List.copyOf(refs);
    }

    /** Removes the segments the task published, if this process owns them (they were never adopted). */
    public void discardPublished() {
        List<SegmentRef> refs = published;
        published = List.of();
        discard(refs);
    }

    /** Removes each of {@code refs} this process owns (scoped to it): they were never adopted. */
    static void discard(List<SegmentRef> refs) {
        for (SegmentRef ref : refs) {
            try {
                Segment.adopt(ref).close(); // owning handle: close removes the name
            } catch (RuntimeException e) {
                // gone already, replaced, or owned by another process: nothing of ours to remove
            }
        }
    }

    /** {@link #discardPublished()} of {@code f} if it is a task's future that completed. */
    static void discardIfUnclaimed(CompletableFuture<?> f) {
        if (f instanceof TaskFuture<?> t && f.isDone()) {
            t.discardPublished();
        }
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>(); // dependents are plain futures
    }
}
