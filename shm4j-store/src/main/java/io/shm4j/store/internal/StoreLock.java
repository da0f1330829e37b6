package io.shm4j.store.internal;

import io.shm4j.store.ObjectStoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
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
        for (int attempt = 0; ; attempt++) {
            FileChannel ch = null;
            try {
                Files.createDirectories(paths.dir());
                ch = FileChannel.open(paths.lock(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock l = ch.lock();
                ByteBuffer b = ByteBuffer.allocate(1);
                if (ch.read(b, 0) == 1 && b.get(0) == 1) { // removed incarnation: retry
                    l.release();
                    ch.close();
                    continue;
                }
                return new StoreLock(ch, l);
            } catch (NoSuchFileException e) {
                closeQuietly(ch); // the directory was removed meanwhile: retry
                if (attempt > 1000) {
                    throw failure(paths, e);
                }
            } catch (IOException e) {
                closeQuietly(ch);
                throw failure(paths, e);
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
