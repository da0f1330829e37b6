package io.shm4j.pool;

import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.SegmentRef;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A pool of workers that run serializable tasks over shared data: worker JVMs
 * ({@link #processes(int)}) or threads of this JVM ({@link #threads(int)}), with the same API.
 *
 * <pre>{@code
 * try (WorkerPool pool = WorkerPool.processes(2);
 *      Segment data = ...) {
 *     SegmentRef ref = data.ref();                       // travels; the bytes do not
 *     List<Double> sums = pool.mapRows(ref, rows, 8, (chunk, ctx) -> {
 *         MemorySegment m = ctx.segment(chunk.ref()).memory();   // mapped once per worker
 *         ...
 *     });
 *     pool.release(ref).join();                          // every worker unmaps it
 * }
 * }</pre>
 *
 * <p><b>Shared arguments</b> travel as {@link SegmentRef}s captured by the task or passed as
 * items. A worker maps each segment once ({@link TaskContext#segment}) and keeps the mapping
 * until {@link #release} or until the name disappears or is replaced. A large result is written
 * by the worker into a segment owned by the caller ({@link TaskContext#resultOptions}) and taken
 * with {@link io.shm4j.segment.Segment#adopt}; or the caller passes a mutable segment whose
 * disjoint slices the tasks write.
 *
 * <p><b>Failures:</b> a task's exception fails its future with {@link TaskFailedException}
 * (the worker's exception, with its stack trace, as the cause). A worker that dies is replaced;
 * the task it was running is retried up to {@link Builder#maxRetries} times, then fails with
 * {@link WorkerDiedException}. A task running longer than {@link Builder#taskTimeout} fails
 * with {@link TaskTimeoutException} and its worker is killed and replaced. When this JVM dies,
 * even by {@code kill -9}, its workers exit by themselves within about a second.
 *
 * <p><b>Threading:</b> thread-safe; any thread may submit. Dependent actions attached to the
 * returned futures without an executor run on the pool's I/O thread: keep them short, or use
 * the {@code *Async} variants.
 *
 * <p><b>Ownership:</b> the creator closes the pool. {@link #close()} waits for submitted tasks
 * and stops the workers; {@link #shutdownNow()} cancels what has not finished.
 */
public interface WorkerPool extends AutoCloseable {

    /** A pool of {@code workers} worker JVMs with default settings; see {@link #builder()}. */
    static WorkerPool processes(int workers) {
        return builder().backend(Backend.PROCESSES).workers(workers).build();
    }

    /** A pool of one worker JVM per available processor. */
    static WorkerPool processes() {
        return builder().backend(Backend.PROCESSES).build();
    }

    /** A pool of {@code threads} threads in this JVM, with the same API. */
    static WorkerPool threads(int threads) {
        return builder().backend(Backend.THREADS).workers(threads).build();
    }

    /** A builder with the defaults: processes, one worker per available processor. */
    static Builder builder() {
        return new Builder();
    }

    /**
     * Submits a task.
     *
     * @return the task's result, or its failure ({@link TaskFailedException},
     *     {@link WorkerDiedException}, {@link TaskTimeoutException}, {@link PoolClosedException})
     * @throws TaskNotSerializableException if the task cannot be serialized (nothing is sent)
     * @throws PoolClosedException if the pool is closing or closed
     */
    <R> CompletableFuture<R> submit(Task<R> task);

    /**
     * Applies {@code fn} to every item in parallel and returns the results in item order. The
     * function is serialized once and sent once to each worker.
     *
     * @throws TaskFailedException (the task threw) or {@link PoolException} (the pool failed) of the first item, in item
     *     order, that failed; the items not yet started are cancelled
     */
    <T, R> List<R> map(SerializableFunction<? super T, ? extends R> fn, Collection<? extends T> items);

    /**
     * Like {@link #map} but streaming: results in item order, items consumed lazily with at most
     * {@code maxInFlight} tasks submitted and not yet consumed. A failed item throws its
     * exception from the stream's terminal operation. Closing the stream cancels what is left.
     */
    <T, R> Stream<R> imap(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items,
            int maxInFlight);

    /** {@link #imap(SerializableFunction, Iterable, int)} with {@link Builder#maxInFlight}. */
    default <T, R> Stream<R> imap(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items) {
        return imap(fn, items, -1);
    }

    /** Like {@link #imap} but results come in completion order. */
    <T, R> Stream<R> imapUnordered(SerializableFunction<? super T, ? extends R> fn,
            Iterable<? extends T> items, int maxInFlight);

    /** {@link #imapUnordered(SerializableFunction, Iterable, int)} with {@link Builder#maxInFlight}. */
    default <T, R> Stream<R> imapUnordered(SerializableFunction<? super T, ? extends R> fn,
            Iterable<? extends T> items) {
        return imapUnordered(fn, items, -1);
    }

    /**
     * Splits the rows {@code [0, rowCount)} of the shared object {@code ref} into {@code parts}
     * contiguous chunks ({@link RowChunk#split}), runs {@code task} once per chunk and returns
     * the results in chunk order (pandarallel's {@code parallel_apply}).
     */
    <R> List<R> mapRows(SegmentRef ref, long rowCount, int parts, RowTask<? extends R> task);

    /**
     * Splits the rows (axis 0) of {@code array} into {@code parts} chunks and runs {@code task}
     * once per chunk; in the task, {@code ctx.array(chunk.ref()).slice(chunk.start(), chunk.end())}
     * is the chunk, over the worker's cached mapping. Results in chunk order.
     *
     * @throws IllegalArgumentException for a view (pass the array it was made from) or a 0-d array
     */
    default <R> List<R> mapRows(SharedArray array, int parts, RowTask<? extends R> task) {
        if (array.isView() || array.ndim() == 0) {
            throw new IllegalArgumentException("mapRows needs a whole array with at least one dimension: name="
                    + array.name() + ", view=" + array.isView() + ", ndim=" + array.ndim()
                    + "; pass the array the view was made from and select rows in the task");
        }
        return mapRows(array.ref(), array.shape()[0], parts, task);
    }

    /**
     * Splits the rows of {@code frame} into {@code parts} chunks and runs {@code task} once per
     * chunk; in the task, {@code ctx.frame(chunk.ref())} is the frame over the worker's cached
     * mapping (mapped once per worker), and {@code .slice(chunk.start(), chunk.end())} of it or of
     * a column is the chunk. Results in chunk order.
     *
     * @throws UnsupportedOperationException for a frame opened from a file (it has no segment)
     */
    default <R> List<R> mapRows(SharedFrame frame, int parts, RowTask<? extends R> task) {
        return mapRows(frame.ref(), frame.rowCount(), parts, task);
    }

    /**
     * Tells every worker to drop its mapping of {@code ref} (call it before or after closing
     * the segment here). A mapping that running tasks use is dropped when the last of them ends
     * (their leases, {@link TaskContext}); tasks that start later map it again. Completes when
     * every live worker has unmapped it. Never blocks, on either backend.
     */
    CompletableFuture<Void> release(SegmentRef ref);

    /** The number of workers. */
    int size();

    /** Where the tasks run. */
    Backend backend();

    /** The pids of the live worker processes (empty for the threads backend). */
    List<Long> workerPids();

    /**
     * Stops accepting tasks, waits for every submitted task to finish, then stops the workers.
     * The wait is bounded by {@link Builder#closeTimeout} (default 10 minutes): past it, close
     * logs a warning and does {@link #shutdownNow()} (what is left is cancelled), so a task that
     * never ends cannot hang close. Idempotent.
     */
    @Override
    void close();

    /**
     * Stops accepting tasks, cancels every task not finished (their futures complete with
     * {@link java.util.concurrent.CancellationException}) and kills the workers.
     *
     * @return the number of tasks cancelled
     */
    int shutdownNow();

    /**
     * Settings of a pool. Not thread-safe; {@link #build()} may be called more than once.
     */
    final class Builder {
        Backend backend = Backend.PROCESSES;
        int workers = Runtime.getRuntime().availableProcessors();
        String workerHeap;
        List<String> jvmOptions = List.of();
        java.time.Duration taskTimeout;
        int maxRetries = 1;
        boolean progressBar = true;
        ProgressListener progressListener;
        int maxInFlight = 256;
        int maxPipelinePerWorker = 64;
        java.time.Duration startTimeout = java.time.Duration.ofSeconds(60);
        java.time.Duration sweepInterval = java.time.Duration.ofSeconds(1);
        boolean classDataSharing = true;
        java.time.Duration closeTimeout = java.time.Duration.ofMinutes(10);
        List<java.nio.file.Path> classPath = List.of();
        java.util.Map<String, String> engineOptions = new java.util.TreeMap<>();

        Builder() {}

        /** Processes (default) or threads. */
        public Builder backend(Backend value) {
            this.backend = java.util.Objects.requireNonNull(value, "backend");
            return this;
        }

        /** The number of workers (default: available processors). */
        public Builder workers(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("workers must be >= 1: workers=" + value);
            }
            this.workers = value;
            return this;
        }

        /** The maximum heap of each worker JVM, as for {@code -Xmx} (e.g. {@code "512m"}); default: the JVM's. */
        public Builder workerHeap(String value) {
            this.workerHeap = value;
            return this;
        }

        /** Extra options for the worker JVMs, after the ones taken from this JVM. */
        public Builder jvmOptions(List<String> value) {
            this.jvmOptions = List.copyOf(value);
            return this;
        }

        /** Fails (and kills the worker of) a task running longer than this; default: none. */
        public Builder taskTimeout(java.time.Duration value) {
            this.taskTimeout = value;
            return this;
        }

        /** How often a task whose worker died is run again before it fails (default 1). */
        public Builder maxRetries(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0: maxRetries=" + value);
            }
            this.maxRetries = value;
            return this;
        }

        /**
         * Whether batch operations show a console progress bar on stderr (default true; it stays
         * off anyway when stderr is not a terminal).
         */
        public Builder progressBar(boolean value) {
            this.progressBar = value;
            return this;
        }

        /** Receives progress events of every batch operation. */
        public Builder progressListener(ProgressListener value) {
            this.progressListener = value;
            return this;
        }

        /** Default bound of tasks in flight for {@code imap} and {@code imapUnordered} (default 256). */
        public Builder maxInFlight(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxInFlight must be >= 1: maxInFlight=" + value);
            }
            this.maxInFlight = value;
            return this;
        }

        /**
         * The most tasks sent ahead to one worker (default 64). The pool sends short tasks ahead
         * to hide round trips and long ones one at a time, to balance the load.
         */
        public Builder maxPipelinePerWorker(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxPipelinePerWorker must be >= 1: value=" + value);
            }
            this.maxPipelinePerWorker = value;
            return this;
        }

        /** How long pool start waits for the workers (default 60 s). */
        public Builder startTimeout(java.time.Duration value) {
            this.startTimeout = value;
            return this;
        }

        /** How often workers drop mappings of segments that are gone or replaced (default 1 s). */
        public Builder sweepInterval(java.time.Duration value) {
            this.sweepInterval = value;
            return this;
        }

        /**
         * Whether workers use an application class-data-sharing archive, created on first use in
         * the cache directory (default true).
         */
        public Builder classDataSharing(boolean value) {
            this.classDataSharing = value;
            return this;
        }

        /**
         * How long {@link WorkerPool#close()} waits for submitted tasks before it cancels what is
         * left and kills the workers ({@link WorkerPool#shutdownNow()}); default 10 minutes.
         */
        public Builder closeTimeout(java.time.Duration value) {
            if (value.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must be >= 0: closeTimeout=" + value);
            }
            this.closeTimeout = value;
            return this;
        }

        /**
         * Jars and directories put first on the workers' class path. Rarely needed: the pool
         * derives the workers' class path from this JVM's class and module path, the class
         * loaders of shm4j and of the code that builds the pool, and the locations of their
         * classes (docs/pool.md, "Where workers find the code"); a task whose class the workers
         * could not load fails at submit with a {@link PoolException} naming its location.
         */
        public Builder classPath(List<java.nio.file.Path> value) {
            this.classPath = List.copyOf(value);
            return this;
        }

        /**
         * A setting of an engine backend, by name (for {@link Backend#RAY}: see
         * {@code io.shm4j.ray.RayPool}); the processes and threads backends ignore them.
         */
        public Builder engineOption(String name, String value) {
            this.engineOptions.put(java.util.Objects.requireNonNull(name, "name"),
                    java.util.Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Starts the pool: runs {@code ShmDirectory.gc(false)}, then starts the workers. */
        public WorkerPool build() {
            return io.shm4j.pool.internal.Pools.start(new io.shm4j.pool.internal.PoolConfig(backend,
                    workers, workerHeap, jvmOptions, taskTimeout, maxRetries, progressBar,
                    progressListener, maxInFlight, maxPipelinePerWorker, startTimeout,
                    sweepInterval, classDataSharing, closeTimeout, classPath, java.util.Map.copyOf(engineOptions)));
        }
    }
}
