package io.shm4j.dataset;

import io.shm4j.segment.internal.Native;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads {@link Dataset#publish} runs on: platform threads of this process whose nice value
 * is raised to {@value #DEFAULT_NICE} (system property {@value #NICE_PROPERTY}, 0 to 19; 0
 * publishes on the caller's thread), so that writing a new version — a copy of the whole array —
 * takes the CPU the readers leave rather than a share of theirs. A dataset's readers are often
 * the process's (or the machine's) foreground work, a server answering requests; a publish is
 * background work that nobody waits for. On the 2-core AMD host, two Python workers answering
 * over a 244 MiB dataset replaced every 2 s (workload E): p99 during updates 1.17–1.33× steady
 * with the writer at nice 10 (three full runs), against 1.41–1.55× at the process's priority
 * (docs/dataset.md).
 * An idle core still lets the copy run at full speed; on busy cores it stretches (≈ 0.35 s for
 * 244 MiB at nice 10 against two busy workers, 35–60 ms idle).
 *
 * <p>The same rule as the follower's touch ({@link Follower#NICE_PROPERTY}), on the writing
 * side. A thread's nice value cannot be lowered back without privilege, so the publish moves to
 * a thread of its own instead of lowering the caller's. Threads are kept for
 * {@value #KEEP_ALIVE_SECONDS} s between publishes (starting one costs 1–3 ms on this project's
 * VM) and created as needed, so publishes of different datasets from different threads still
 * run side by side.
 */
final class WriterThreads {
    /** System property: the nice value of the threads that publish (0 to 19; 0 publishes on the caller's thread). */
    static final String NICE_PROPERTY = "shm4j.dataset.writerNice";
    static final int DEFAULT_NICE = 10;
    static final long KEEP_ALIVE_SECONDS = 30;

    private static final ThreadPoolExecutor THREADS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE_SECONDS,
            TimeUnit.SECONDS, new SynchronousQueue<>(), WriterThreads::newThread);
    private static final ThreadLocal<Boolean> WRITER = ThreadLocal.withInitial(() -> false);
    private static final AtomicInteger COUNT = new AtomicInteger();

    private WriterThreads() {}

    /** The nice value publishes run at now: the property, clamped to 0..19. */
    static int nice() {
        return Math.clamp(Integer.getInteger(NICE_PROPERTY, DEFAULT_NICE), 0, 19);
    }

    /**
     * Runs {@code publish} on a writer thread and waits for it (not interruptibly: a publish is
     * never left half-done by its caller's interrupt; the interrupt stays set), or on this thread
     * when the nice value is 0 or this is a writer thread already. Its exceptions reach the
     * caller as they were thrown.
     */
    static long run(Supplier<Long> publish) {
        if (nice() == 0 || WRITER.get()) {
            return publish.get();
        }
        try {
            return CompletableFuture.supplyAsync(publish, THREADS).join();
        } catch (CompletionException e) {
            switch (e.getCause()) {
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw e;
            }
        }
    }

    private static Thread newThread(Runnable task) {
        return Thread.ofPlatform().daemon().name("shm4j-dataset-writer-" + COUNT.incrementAndGet()).unstarted(() -> {
            WRITER.set(true);
            int want = nice();
            if (want > 0) {
                try {
                    Native.setThreadNice(want);
                } catch (Native.ErrnoException e) {
                    // not allowed here (a seccomp filter, say): publishes run at the process's priority
                }
            }
            task.run();
        });
    }
}
