package io.shm4j.pool;

import io.shm4j.segment.ShmOptions;
import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.Access;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;
import io.shm4j.store.ObjectRef;
import io.shm4j.store.ObjectStore;

/**
 * What a running task sees of its worker: mappings of shared segments, arrays and frames, cached
 * per worker and reused across tasks; object stores ({@link #store}, {@link #get},
 * {@link #putResult}); and the identity of the caller, to which results belong.
 *
 * <p><b>Leases:</b> segments, arrays and frames returned by {@link #segment}, {@link #array}
 * and {@link #frame} are borrowed views of the worker's cached mapping ({@link Segment#borrow()},
 * {@link SharedArray#borrow()}, {@link SharedFrame#borrow()}): closing one does nothing, so a
 * task may use try-with-resources on them. The task holds a lease on each mapping it asked for
 * until it ends: a {@linkplain WorkerPool#release release} of the ref, or the removal or
 * replacement of its name (found by a periodic sweep), takes effect when the last task using
 * the mapping ends — never under a running task, on either backend. Do not keep the views
 * beyond the task: after it they may be unmapped at any time (access then throws
 * {@link IllegalStateException}, never crashes).
 *
 * <p><b>Threading:</b> valid only on the thread running the task, while it runs.
 */
public interface TaskContext {
    /**
     * The context of the task running on this thread.
     *
     * @throws IllegalStateException when called outside a task
     */
    static TaskContext current() {
        return io.shm4j.pool.internal.CurrentContext.require();
    }

    /** The read-only mapping of {@code ref} (a borrowed handle), mapped on first use and then reused. */
    default Segment segment(SegmentRef ref) {
        return segment(ref, Access.READ_ONLY);
    }

    /**
     * The mapping of {@code ref} with {@code access}, mapped on first use and then reused: a
     * {@linkplain Segment#borrow() borrowed} handle, whose close does nothing. Use
     * {@link Access#READ_WRITE} on a mutable output segment whose disjoint slices tasks write.
     *
     * @throws io.shm4j.segment.StaleSegmentException if the name now holds another incarnation
     */
    Segment segment(SegmentRef ref, Access access);

    /** The read-only array {@code ref} names: a borrowed view of this worker's cached mapping. */
    default SharedArray array(SegmentRef ref) {
        return array(ref, Access.READ_ONLY);
    }

    /**
     * The array {@code ref} names with {@code access}: a borrowed view of this worker's cached
     * mapping (made once, reused by later tasks); closing it does nothing. Use
     * {@link Access#READ_WRITE} on a mutable output array whose disjoint slices tasks write.
     */
    SharedArray array(SegmentRef ref, Access access);

    /**
     * The read-only frame {@code ref} names: a borrowed view of this worker's cached mapping
     * (mapped and parsed once, reused by later tasks); closing it does nothing. With {@link WorkerPool#mapRows(SharedFrame,
     * int, RowTask)}: {@code ctx.frame(chunk.ref()).doubles("x").slice(chunk.start(), chunk.end())}.
     */
    SharedFrame frame(SegmentRef ref);

    /**
     * A handle on the object store {@code name} (in this worker's shm directory) for this task:
     * what the task gets and puts through it is held until the task ends, then released — a
     * worker's pins never outlive its tasks, and a worker that dies stops pinning at once. The
     * worker opens each store once and keeps that connection across tasks; closing the returned
     * handle early is allowed.
     *
     * <p>The store should be open in the caller (or another process) already: a store lives while
     * some process has it open, and its capacity and spill directory are set by its first opener.
     */
    ObjectStore store(String name);

    /**
     * The value of an object from its store ({@link #store store(ref.store())}), held until the
     * task ends: arrays and frames are views of the object's mapping, no copy.
     */
    default <T> T get(ObjectRef<T> ref) {
        return store(ref.store()).get(ref);
    }

    /**
     * Puts a result into store {@code storeName} pinned by the caller, not by this worker
     * ({@link ObjectStore#putFor}), and returns its ref: return it from the task. The caller's
     * {@code get} takes the pin over (release it when done); the object lives while the caller
     * does, however long after the task it gets it.
     */
    default <T> ObjectRef<T> putResult(String storeName, T value) {
        return store(storeName).putFor(value, caller());
    }

    /**
     * Options for a result owned by the caller (scoped to it, so that it survives this worker and
     * dies with the caller): create an array with them (for example
     * {@code SharedArray.zeros(ctx.resultOptions(), ...)}) and return
     * {@link #publishResult(SharedArray)}, or reserve a raw segment
     * ({@code Segment.reserve(ctx.resultOptions(), size)}), write it and return
     * {@link #publishResult(PendingSegment)}.
     */
    default ShmOptions resultOptions() {
        return ShmOptions.defaults().withOwner(caller());
    }

    /**
     * Gives up this worker's handle of a result array created with {@link #resultOptions}
     * and returns its ref, for the caller to take with {@code Segment.adopt(ref)} (then
     * {@code SharedArray.of(segment)}).
     */
    SegmentRef publishResult(SharedArray array);

    /** The process that submitted the task: the owner to give result segments. */
    ProcessIdentity caller();

    /**
     * Publishes a result segment reserved with {@link #resultOptions} and gives up this worker's
     * handle, so that the returned ref is all that is left here; return it from the task. The
     * caller takes ownership with {@link Segment#adopt(SegmentRef)}. The pool keeps no handle, in
     * either backend: closing the pool never removes a result.
     */
    SegmentRef publishResult(PendingSegment pending);

    /** The id of the running task, unique in its pool. */
    long taskId();

    /** The index of the worker running the task (0-based; a replacement keeps its slot). */
    int workerIndex();

}
