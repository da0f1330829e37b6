package io.shm4j.store.internal;

import io.shm4j.store.ObjectStoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store's mutual exclusion across processes and threads: an {@code fcntl} lock on
 * {@code .shm4j-store.STORE/lock} (released by the kernel when its process dies) behind a
 * reentrant lock for this JVM's threads.
 *
 * <p><b>Removal.</b> The last member removes the store directory. Before unlinking the lock
 * file it writes 1 at byte 0 while still holding the lock; whoever locks that inode later
 * (it had opened the file before the unlink) sees the mark and retries on a fresh file. The
 * mark is read through the locked channel itself: a POSIX lock is lost when its process
 * closes <i>any</i> descriptor of the file, so nothing else in this JVM may open the lock
 * file — one {@code StoreLock} per store per JVM.
 *
 * <p>Thread-safe. Ownership: the {@link StoreClient} (or a one-off maintenance call) closes it.
 */
final class StoreLock implements AutoCloseable {
    private final ReentrantLock threads = new ReentrantLock();
    private final FileChannel channel;
    private FileLock held; // guarded by threads

    private StoreLock(FileChannel channel, FileLock held) {
        this.channel = channel;
        this.held = held;
        threads.lock();
    }

    /** Opens (creating the store directory if needed) and acquires the lock: the caller must {@link #release()}. */
    static StoreLock openLocked(StorePaths paths) {
        StoreLock l = openLocked(paths, null);
        assert l != null;
        return l;
    }

    /**
     * Like {@link #openLocked(StorePaths)}, waiting at most {@code wait} for another process's
     * lock (null: as long as it takes).
     *
     * @return the held lock, or null if another process held it for all of {@code wait}
     * @throws ObjectStoreException if the store directory is not a directory of this user (a
     *     link, a file, another user's), or the lock file keeps being removed
     */
    static StoreLock openLocked(StorePaths paths, java.time.Duration wait) {
        long deadline = wait == null ? Long.MAX_VALUE : System.nanoTime() + wait.toNanos();
        for (int attempt = 0; ; attempt++) {
            if (attempt > 1000) {
                throw new ObjectStoreException("cannot lock the store: store=" + paths.store() + ", file="
                        + paths.lock() + ", attempts=" + attempt + "; its lock file keeps being removed");
            }
            FileChannel ch = null;
            try {
                Files.createDirectories(paths.dir());
                String unusable = paths.unusable();
                if (unusable != null) {
                    throw new ObjectStoreException("store directory is not usable: store=" + paths.store()
                            + ", dir=" + paths.dir() + ", problem=" + unusable
                            + "; shm4j uses only a real directory of this user (remove it or use another store name)");
                }
                Object before = fileKey(paths.lock());
                ch = FileChannel.open(paths.lock(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                FileLock l = wait == null ? ch.lock() : tryLockUntil(ch, deadline);
                if (l == null) {
                    ch.close();
                    return null;
                }
                ByteBuffer b = ByteBuffer.allocate(1);
                if (ch.read(b, 0) == 1 && b.get(0) == 1) {
                    // A removed incarnation. If the name still holds this very file (its remover died
                    // between marking and unlinking it, or someone wrote the mark), unlink it while
                    // holding its lock, so the next attempt creates a fresh one instead of spinning.
                    if (before != null && before.equals(fileKey(paths.lock()))) {
                        Files.deleteIfExists(paths.lock());
                    }
                    l.release();
                    ch.close();
                    continue;
                }
                return new StoreLock(ch, l);
            } catch (NoSuchFileException e) {
                closeQuietly(ch); // the directory was removed meanwhile: retry
            } catch (IOException e) {
                closeQuietly(ch);
                throw failure(paths, e);
            } catch (RuntimeException e) {
                closeQuietly(ch);
                throw e;
            }
        }
    }

    private static Object fileKey(java.nio.file.Path p) throws IOException {
        try {
            return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Polls {@code tryLock} until the deadline; never blocks on another process for longer. */
    private static FileLock tryLockUntil(FileChannel ch, long deadline) throws IOException {
        while (true) {
            FileLock l = ch.tryLock();
            if (l != null || System.nanoTime() > deadline) {
                return l;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** Acquires the lock (reentrant). Pair every call with {@link #release()}. */
    Held acquire() {
        threads.lock();
        if (threads.getHoldCount() == 1) {
            try {
                held = channel.lock();
            } catch (IOException e) {
                threads.unlock();
                throw new ObjectStoreException("cannot lock the store: error=" + e
                        + "; the thread may have been interrupted", e);
            }
        }
        return this::release;
    }

    /** Releases one acquisition; the last one releases the file lock. */
    void release() {
        try {
            if (threads.getHoldCount() == 1 && held != null) {
                held.release();
                held = null;
            }
        } catch (IOException e) {
            // the channel is closed: the kernel released the lock with it
        } finally {
            threads.unlock();
        }
    }

    /**
     * Runs {@code task} if no thread of this JVM holds or waits for the lock, keeping them out
     * meanwhile (the file lock is not taken: {@code task} must not need other processes kept out).
     *
     * @return whether it ran
     */
    boolean runIfIdleHere(Runnable task) {
        if (!threads.tryLock()) {
            return false;
        }
        try {
            if (threads.getHoldCount() != 1) {
                return false;
            }
            task.run();
            return true;
        } finally {
            threads.unlock();
        }
    }

    /** Whether the current thread holds the lock exactly once (so it may let go of it for a while). */
    boolean isHeldOnceByCurrentThread() {
        return threads.isHeldByCurrentThread() && threads.getHoldCount() == 1;
    }

    boolean isHeldByCurrentThread() {
        return threads.isHeldByCurrentThread();
    }

    /** Marks this lock file removed (the caller holds the lock and unlinks the file next). */
    void markRemoved() throws IOException {
        channel.write(ByteBuffer.wrap(new byte[] {1}), 0);
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    /** An acquisition, for try-with-resources. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing held
            }
        }
    }

    private static ObjectStoreException failure(StorePaths paths, IOException e) {
        return new ObjectStoreException("cannot open the store lock: store=" + paths.store() + ", file="
                + paths.lock() + ", error=" + e + "; check that the shm directory is writable", e);
    }
}
