package io.shm4j.store.internal;

import io.shm4j.segment.KeptMapping;
import io.shm4j.segment.internal.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Frees the pages of dropped objects on a background thread: the caller unlinks the file under
 * the store lock while a descriptor (or this process's kept mapping of it) still holds the
 * inode, and the thread here lets go of that last reference, which is when the kernel frees the
 * pages — 30-100 ms per 500 MB on this project's VM, no longer spent under the lock that every
 * put and get of every process needs. Nothing can leak: the file has no name any more, and the
 * kernel frees it when this process exits, whatever the way.
 *
 * <p>Until the thread gets there the tmpfs still holds the pages; a put that then finds the
 * shared memory directory full waits for it ({@link #awaitIdle}) and tries once more.
 *
 * <p>Thread-safe. Ownership: the {@link StoreClient}; {@link #close()} waits for every drop.
 */
final class Reclaimer implements AutoCloseable {
    private ExecutorService thread; // guarded by this
    private int pending; // guarded by this
    private long freed; // drops completed; guarded by this

    /**
     * Unlinks {@code file} (in a directory of the store's own) and frees its pages in the
     * background. {@code kept} is this process's kept mapping of it, or null; it is closed in the
     * background too. A file already gone is no error.
     */
    void drop(Path file, KeptMapping kept) throws IOException {
        int held = -1;
        if (kept == null || !kept.isOpen()) {
            try {
                // O_NOFOLLOW|O_NONBLOCK: a link or FIFO planted under the name is neither followed nor waited on
                held = Native.openExisting(file.toString(), false);
                if (!Native.fstat(held).isRegularFile()) {
                    Native.close(held);
                    held = -1;
                }
            } catch (Native.ErrnoException e) {
                held = -1; // gone already, or not ours to hold: whatever is there goes at the unlink below
            }
        }
        try {
            Files.deleteIfExists(file);
        } finally {
            closeLater(kept, held);
        }
    }

    private void closeLater(KeptMapping kept, int held) {
        if (kept == null && held < 0) {
            return;
        }
        synchronized (this) {
            if (thread == null) {
                thread = Executors.newSingleThreadExecutor(Daemons.named("shm4j-store-reclaim"));
            }
            pending++;
            thread.execute(() -> {
                try {
                    if (kept != null) {
                        kept.close();
                    }
                    if (held >= 0) {
                        Native.close(held);
                    }
                } catch (RuntimeException e) {
                    // a close that fails has let go of the descriptor anyway
                } finally {
                    synchronized (this) {
                        pending--;
                        freed++;
                        notifyAll();
                    }
                }
            });
        }
    }

    /** How many drops have freed their pages so far. */
    synchronized long freed() {
        return freed;
    }

    /** Waits until every drop so far has freed its pages; returns {@link #freed()}. */
    synchronized long awaitIdle() {
        boolean interrupted = false;
        while (pending > 0) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return freed;
    }

    @Override
    public void close() {
        awaitIdle();
        ExecutorService t;
        synchronized (this) {
            t = thread;
            thread = null;
        }
        if (t != null) {
            Daemons.stop(t, false);
        }
    }
}
