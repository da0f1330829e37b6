package io.shm4j.pool.internal;

import io.shm4j.pool.PoolException;
import io.shm4j.pool.RowChunk;
import io.shm4j.pool.RowTask;
import io.shm4j.pool.SerializableFunction;
import io.shm4j.pool.WorkerPool;
import io.shm4j.segment.SegmentRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * What both backends share: the batch operations ({@code map}, {@code imap},
 * {@code imapUnordered}, {@code mapRows}) built on a backend's batch submission of one
 * function over many items, and progress tracking.
 *
 * <p>Thread-safe if the backend's hooks are. Public for engine modules (Ray) only: no
 * compatibility promise.
 */
public abstract class AbstractPool implements WorkerPool {
    /** A function registered with a backend for one batch operation. */
    public interface Fn {}

    /** The pool's settings. */
    protected final PoolConfig config;

    /** A pool with {@code config}. */
    protected AbstractPool(PoolConfig config) {
        this.config = config;
    }

    /** Prepares {@code fn} to be applied to many items (the processes backend serializes it once). */
    protected abstract Fn register(SerializableFunction<?, ?> fn);

    /** Forgets {@code fn}; called after the tasks that use it have ended or been cancelled. */
    protected abstract void unregister(Fn fn);

    /** Submits one task per item, all at once; futures in item order. */
    protected abstract List<CompletableFuture<Object>> apply(Fn fn, List<?> items, Job job);

    Job job(String label, long total) {
        return new Job(label, total, config.progressListener(), config.progressBar());
    }

    @Override
    public <T, R> List<R> map(SerializableFunction<? super T, ? extends R> fn, Collection<? extends T> items) {
        return mapAll("map", fn, new ArrayList<>(items));
    }

    @Override
    public <R> List<R> mapRows(SegmentRef ref, long rowCount, int parts, RowTask<? extends R> task) {
        return mapAll("mapRows", new RowTaskFunction<>(task), RowChunk.split(ref, rowCount, parts));
    }

    @SuppressWarnings("unchecked")
    private <T, R> List<R> mapAll(String label, SerializableFunction<? super T, ? extends R> fn, List<T> items) {
        Fn handle = register(fn);
        try (Job job = job(label, items.size())) {
            List<CompletableFuture<Object>> futures = apply(handle, items, job);
            awaitAllOrFailure(futures);
            List<R> out = new ArrayList<>(futures.size());
            for (int i = 0; i < futures.size(); i++) {
                try {
                    out.add((R) join(futures.get(i)));
                } catch (RuntimeException | Error e) {
                    for (int j = 0; j < futures.size(); j++) {
                        CompletableFuture<Object> f = futures.get(j);
                        if (j > i && f.cancel(false)) {
                            continue; // a late answer's results are removed when it comes
                        }
                        TaskFuture.discardIfUnclaimed(f); // results this throw drops
                    }
                    throw e;
                }
            }
            return out;
        } finally {
            unregister(handle);
        }
    }

    /**
     * Blocks until every future is done or one has failed (or was cancelled), so that the ordered
     * joins after it find their futures done. Joining each future in turn while its task still
     * runs parks the caller and has the answering thread wake it once per task — a futex wake and
     * two context switches per task, more CPU than an empty task costs everywhere else; this wakes
     * it once per batch. A failure wakes it at once: {@code map} throws it without waiting for the
     * tasks after it.
     */
    static void awaitAllOrFailure(List<CompletableFuture<Object>> futures) {
        BatchLatch latch = new BatchLatch(futures.size());
        for (CompletableFuture<Object> f : futures) {
            if (latch.isDone()) {
                break;
            }
            if (f.isDone()) {
                latch.accept(null, f.isCompletedExceptionally() ? FAILED : null);
            } else {
                f.whenComplete(latch);
            }
        }
        latch.join();
    }

    private static final Throwable FAILED = new Throwable("failed", null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    /** Completes when its count of finished futures reaches zero, or at the first failure. */
    private static final class BatchLatch extends CompletableFuture<Void>
            implements java.util.function.BiConsumer<Object, Throwable> {
        private final java.util.concurrent.atomic.AtomicInteger left;

        BatchLatch(int count) {
            this.left = new java.util.concurrent.atomic.AtomicInteger(count);
            if (count == 0) {
                complete(null);
            }
        }

        @Override
        public void accept(Object value, Throwable failure) {
            if (failure != null || left.decrementAndGet() == 0) {
                complete(null);
            }
        }
    }

    @Override
    public <T, R> Stream<R> imap(SerializableFunction<? super T, ? extends R> fn, Iterable<? extends T> items,
            int maxInFlight) {
        return stream(new Streaming<>("imap", fn, items, maxInFlight, true));
    }

    @Override
    public <T, R> Stream<R> imapUnordered(SerializableFunction<? super T, ? extends R> fn,
            Iterable<? extends T> items, int maxInFlight) {
        return stream(new Streaming<>("imapUnordered", fn, items, maxInFlight, false));
    }

    private static <R> Stream<R> stream(Streaming<?, R> it) {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false)
                .onClose(it::close);
    }

    /** The value of a finished future, or its failure unwrapped. */
    static Object join(CompletableFuture<Object> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new PoolException("task failed: error=" + c, c);
        } catch (CancellationException e) {
            throw e;
        }
    }

    /** The lazily fed iterator behind imap and imapUnordered. Used by one consumer thread. */
    private final class Streaming<T, R> implements Iterator<R>, AutoCloseable {
        private final Iterator<? extends T> source;
        private final int maxInFlight;
        private final boolean ordered;
        private final Fn fn;
        private final Job job;
        private final ArrayDeque<CompletableFuture<Object>> window = new ArrayDeque<>();
        private final BlockingQueue<CompletableFuture<Object>> completed = new LinkedBlockingQueue<>();
        private final java.util.Set<CompletableFuture<Object>> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final AtomicBoolean closed = new AtomicBoolean();
        private long submitted;
        private long consumed;

        Streaming(String label, SerializableFunction<? super T, ? extends R> f, Iterable<? extends T> items,
                int maxInFlight, boolean ordered) {
            this.source = items.iterator();
            this.maxInFlight = maxInFlight > 0 ? maxInFlight : config.maxInFlight();
            this.ordered = ordered;
            this.fn = register(f);
            this.job = job(label, items instanceof Collection<?> c ? c.size() : -1);
        }

        private void topUp() {
            long inFlight = submitted - consumed;
            if (closed.get() || inFlight > maxInFlight / 2 || !source.hasNext()) {
                return;
            }
            List<T> batch = new ArrayList<>();
            while (inFlight + batch.size() < maxInFlight && source.hasNext()) {
                batch.add(source.next());
            }
            List<CompletableFuture<Object>> fs = apply(fn, batch, job);
            submitted += fs.size();
            for (CompletableFuture<Object> f : fs) {
                if (ordered) {
                    window.add(f);
                } else {
                    open.add(f);
                    f.whenComplete((v, e) -> {
                        open.remove(f);
                        completed.add(f);
                    });
                }
            }
            if (!source.hasNext()) {
                job.total(submitted);
            }
        }

        @Override
        public boolean hasNext() {
            topUp();
            boolean more = consumed < submitted;
            if (!more) {
                close();
            }
            return more;
        }

        @Override
        @SuppressWarnings("unchecked")
        public R next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            CompletableFuture<Object> f;
            if (ordered) {
                f = window.poll();
            } else {
                try {
                    f = completed.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new PoolException("interrupted while waiting for a result; the stream was closed", e);
                }
            }
            consumed++;
            try {
                return (R) join(f);
            } catch (RuntimeException | Error e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                for (CompletableFuture<Object> f : window) {
                    if (!f.cancel(false)) {
                        TaskFuture.discardIfUnclaimed(f); // finished, never consumed
                    }
                }
                for (CompletableFuture<Object> f : List.copyOf(open)) {
                    f.cancel(false);
                }
                for (CompletableFuture<Object> f; (f = completed.poll()) != null; ) {
                    TaskFuture.discardIfUnclaimed(f); // finished, never consumed
                }
                unregister(fn);
                job.close();
            }
        }
    }

    /** Runs a {@link RowTask} as a function of its chunk. */
    record RowTaskFunction<R>(RowTask<? extends R> task) implements SerializableFunction<RowChunk, R> {
        @Override
        public R apply(RowChunk chunk) {
            try {
                return task.apply(chunk, CurrentContext.require());
            } catch (Exception e) {
                throw RowTaskFunction.<RuntimeException>sneaky(e);
            }
        }

        @SuppressWarnings("unchecked")
        private static <E extends Throwable> E sneaky(Throwable t) throws E {
            throw (E) t;
        }
    }
}
