package io.shm4j.pool.internal;

import io.shm4j.pool.Backend;
import io.shm4j.pool.PoolClosedException;
import io.shm4j.pool.SerializableFunction;
import io.shm4j.pool.Task;
import io.shm4j.pool.TaskFailedException;
import io.shm4j.pool.TaskTimeoutException;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.SegmentRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The threads backend: the same tasks run on N platform threads of this JVM, over mappings of
 * a cache shared by those threads. Tasks are not serialized (nothing crosses a process), so
 * this backend is the baseline the processes backend is measured against.
 *
 * <p>Thread-safe. Owns its threads and its mapping cache; {@link #close()} releases both. A
 * timed-out task's future fails with {@link TaskTimeoutException} and its thread is interrupted
 * (a thread, unlike a worker process, cannot be killed).
 */
final class ThreadPool extends AbstractPool {
    private record FnHandle(SerializableFunction<Object, Object> fn) implements Fn {}

    private final ExecutorService executor;
    private final ScheduledExecutorService timer;
    private final MappingCache cache = new MappingCache();
    private final StoreHandles storeHandles = new StoreHandles();
    private final AtomicLong taskIds = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Set<CompletableFuture<?>> unfinished = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<Integer> index = new ThreadLocal<>();

    ThreadPool(PoolConfig config) {
        super(config);
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(config.workers(), r -> {
            int i = n.getAndIncrement();
            Thread t = new Thread(() -> {
                index.set(i);
                r.run();
            }, "shm4j-pool-thread-" + i);
            t.setDaemon(true);
            return t;
        });
        this.timer = config.taskTimeout() == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "shm4j-pool-timeouts");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public <R> CompletableFuture<R> submit(Task<R> task) {
        java.util.Objects.requireNonNull(task, "task");
        return run(task, null);
    }

    private <R> CompletableFuture<R> run(Task<R> task, Job job) {
        if (closed.get()) {
            throw new PoolClosedException("pool is closed: backend=threads; create a new pool");
        }
        long id = taskIds.incrementAndGet();
        TaskFuture<R> future = new TaskFuture<>();
        unfinished.add(future);
        future.whenComplete((v, e) -> {
            unfinished.remove(future);
            if (job != null) {
                job.taskDone();
            }
        });
        try {
            executor.execute(() -> execute(id, task, future));
        } catch (RejectedExecutionException e) {
            future.cancel(false);
            throw new PoolClosedException("pool is closed: backend=threads; create a new pool");
        }
        return future;
    }

    private <R> void execute(long id, Task<R> task, TaskFuture<R> future) {
        if (future.isDone()) {
            return;
        }
        Thread self = Thread.currentThread();
        var timeout = timer == null ? null : timer.schedule(() -> {
            if (future.completeExceptionally(new TaskTimeoutException("task timed out: taskId=" + id
                    + ", timeout=" + config.taskTimeout() + ", backend=threads; its thread was interrupted",
                    id))) {
                self.interrupt();
            }
        }, config.taskTimeout().toNanos(), TimeUnit.NANOSECONDS);
        StoreHandles.TaskScope stores = new StoreHandles.TaskScope(storeHandles);
        WorkerContext context = new WorkerContext(cache, stores, ProcessIdentity.current(), id, index.get());
        CurrentContext.set(context);
        R value = null;
        Throwable failure = null;
        try {
            value = task.call(CurrentContext.require());
        } catch (Throwable t) {
            failure = t;
        } finally {
            CurrentContext.clear();
            RuntimeException e = context.end(); // leases and pins end with the task, before its future completes
            failure = failure == null ? e : failure;
            if (timeout != null) {
                timeout.cancel(false);
                Thread.interrupted(); // a late timeout must not leak an interrupt into the next task
            }
        }
        future.published(context.published());
        if (failure == null) {
            if (!future.complete(value)) {
                future.discardPublished(); // cancelled or timed out meanwhile: nobody takes its results
            }
        } else {
            future.discardPublished();
            future.completeExceptionally(new TaskFailedException("task failed: taskId=" + id + ", worker="
                    + index.get() + ", backend=threads, error=" + failure + "; the cause is the task's exception",
                    id, failure));
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    protected Fn register(SerializableFunction<?, ?> fn) {
        return new FnHandle((SerializableFunction<Object, Object>) fn);
    }

    @Override
    protected void unregister(Fn fn) {
        // nothing was sent anywhere
    }

    @Override
    protected List<CompletableFuture<Object>> apply(Fn fn, List<?> items, Job job) {
        SerializableFunction<Object, Object> f = ((FnHandle) fn).fn();
        List<CompletableFuture<Object>> out = new ArrayList<>(items.size());
        for (Object item : items) {
            out.add(run(ctx -> f.apply(item), job.tracked() ? job : null));
        }
        return out;
    }

    @Override
    public CompletableFuture<Void> release(SegmentRef ref) {
        return cache.release(ref.name(), ref.generation()).unmapped(); // when the last task using it ends
    }

    @Override
    public int size() {
        return config.workers();
    }

    @Override
    public io.shm4j.pool.Backend backend() {
        return Backend.THREADS;
    }

    @Override
    public List<Long> workerPids() {
        return List.of();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(config.closeTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                int cancelled = shutdownNow();
                System.getLogger("io.shm4j.pool").log(System.Logger.Level.WARNING, "pool close timed out: closeTimeout="
                        + config.closeTimeout() + ", cancelled=" + cancelled + ", backend=threads; raise"
                        + " closeTimeout or wait for the tasks before close");
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        } finally {
            finish();
        }
    }

    @Override
    public int shutdownNow() {
        closed.set(true);
        int n = 0;
        for (CompletableFuture<?> f : List.copyOf(unfinished)) { // before the interrupts: a task ending
            if (f.cancel(true)) {                                   // on its interrupt is cancelled, not failed
                n++;
            }
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finish();
        return n;
    }

    private void finish() {
        if (timer != null) {
            timer.shutdownNow();
        }
        cache.close();
        storeHandles.close();
    }

    @Override
    public String toString() {
        return "WorkerPool[backend=threads, workers=" + config.workers() + (closed.get() ? ", closed" : "") + "]";
    }
}
