package io.shm4j.dataset;

import io.shm4j.segment.SegmentClosedException;

/**
 * A reader of a dataset for one thread (a server worker's request loop): {@link #current()}
 * returns the newest version's array or frame (while a {@link Follower} runs on the dataset
 * handle, the newest it made ready), and when nothing changed that is one acquire load of the
 * shared counter (or of the handle's version) and a compare — no atomic update, no allocation,
 * no syscall. The value
 * returned stays valid until this reader's next {@link #current()} that moves to a newer version,
 * or its {@link #close()}; take a {@link Version} lease ({@link Dataset#current()}) to keep a
 * version longer or to hand it to another thread.
 *
 * <p><b>Threading:</b> not thread-safe: one reader per thread. <b>Ownership:</b> it holds one
 * version mapped (counted like a lease) until it moves on or closes; the {@link Dataset} it came
 * from must stay open while it is used.
 *
 * @param <T> {@link io.shm4j.array.SharedArray} or {@link io.shm4j.frame.SharedFrame}
 */
public final class DatasetReader<T extends AutoCloseable> implements AutoCloseable {
    private final Dataset<T> dataset;
    private Version<T> lease;
    private long number = -1;
    private T value;

    DatasetReader(Dataset<T> dataset) {
        this.dataset = dataset;
    }

    /**
     * The newest version's value (a borrowed view; closing it is harmless).
     *
     * @throws NoVersionException if nothing was published yet
     * @throws SegmentClosedException after {@link #close()} or the dataset's close
     */
    public T current() {
        if (number == dataset.readyNumber()) {
            return value;
        }
        Version<T> next = dataset.current();
        Version<T> old = lease;
        lease = next;
        number = next.number();
        value = next.value();
        if (old != null) {
            old.close();
        }
        return value;
    }

    /** The number of the version {@link #current()} last returned (-1 before the first call). */
    public long number() {
        return number;
    }

    /** Lets go of the version held. Idempotent. */
    @Override
    public void close() {
        Version<T> old = lease;
        lease = null;
        number = -1;
        value = null;
        if (old != null) {
            old.close();
        }
    }
}
