package io.shm4j.segment.internal;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;

/**
 * Waits that an interrupt does not cut short — for a helper thread whose buffers or memory the
 * caller must not release before it has ended — restoring the interrupt status afterwards. Used
 * by the store's copy and spill helpers and the array's two-thread copy.
 */
public final class Uninterruptibly {
    private Uninterruptibly() {}

    /** Waits until {@code thread} has ended. */
    public static void join(Thread thread) {
        run(thread::join);
    }

    /** Waits until {@code latch} has counted down to zero. */
    public static void await(CountDownLatch latch) {
        run(latch::await);
    }

    private interface Wait {
        void run() throws InterruptedException;
    }

    private static void run(Wait wait) {
        boolean interrupted = false;
        while (true) {
            try {
                wait.run();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes the head of {@code queue}, waiting for one. */
    public static <T> T take(BlockingQueue<T> queue) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return queue.take();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
