package io.shm4j.store.internal;

import java.util.concurrent.BlockingQueue;

/**
 * Waits that an interrupt does not cut short — for a helper thread whose buffers or memory the
 * caller must not release before it has ended — restoring the interrupt status afterwards.
 */
final class Uninterruptibly {
    private Uninterruptibly() {}

    /** Waits until {@code thread} has ended. */
    static void join(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until {@code latch} has counted down to zero. */
    static void await(java.util.concurrent.CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
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
    static <T> T take(BlockingQueue<T> queue) {
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
