package io.shm4j.store.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/** The store's background threads: daemon platform threads by name, and how they are stopped. */
final class Daemons {
    private Daemons() {}

    /** Daemon platform threads named {@code name}. */
    static ThreadFactory named(String name) {
        return Thread.ofPlatform().name(name).daemon().factory();
    }

    /**
     * Stops {@code executor} — after its queued tasks, or at once with {@code now} (running tasks
     * are interrupted) — and waits up to 5 s for it; an interrupt of the wait is kept.
     */
    static void stop(ExecutorService executor, boolean now) {
        if (now) {
            executor.shutdownNow();
        } else {
            executor.shutdown();
        }
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
