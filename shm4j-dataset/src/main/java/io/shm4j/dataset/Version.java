package io.shm4j.dataset;

import io.shm4j.segment.SegmentClosedException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A lease on one version of a dataset, from {@link Dataset#current()}: a non-owning view of
 * that version's array or frame, valid until this lease is closed. Closing it is harmless and
 * idempotent; the version's mapping in this process goes when its dataset handle has moved on
 * (or closed) and the last lease on it is closed.
 *
 * <p><b>Threading:</b> a lease may be read by any thread; {@link #close()} is idempotent and
 * thread-safe. <b>Processes:</b> the version's bytes are immutable (unless its writer made them
 * mutable on purpose); other processes see the same bytes for the same version number.
 *
 * @param <T> {@link io.shm4j.array.SharedArray} or {@link io.shm4j.frame.SharedFrame}
 */
public final class Version<T extends AutoCloseable> implements AutoCloseable {
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(Version.class, "closed", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Dataset.Held<T> held;
    @SuppressWarnings("unused") // through CLOSED
    private volatile int closed;

    Version(Dataset.Held<T> held) {
        this.held = held;
    }

    /** The version number (1, 2, …; never goes backwards for one dataset). */
    public long number() {
        return held.number;
    }

    /**
     * The version's array or frame: a borrowed (non-owning) view; closing it is harmless.
     *
     * @throws SegmentClosedException after this lease is closed
     */
    public T value() {
        if (closed != 0) {
            throw new SegmentClosedException("dataset version lease is closed: segment=" + held.segmentName
                    + ", version=" + held.number + "; take a new one with Dataset.current()");
        }
        return held.view;
    }

    /** The version segment's name ({@code NAME@v<k>}). */
    public String segmentName() {
        return held.segmentName;
    }

    /** Ends this lease. Idempotent. */
    @Override
    public void close() {
        if (CLOSED.compareAndSet(this, 0, 1)) {
            held.release();
        }
    }

    @Override
    public String toString() {
        return "Version[" + held.segmentName + (closed != 0 ? ", closed" : "") + "]";
    }
}
