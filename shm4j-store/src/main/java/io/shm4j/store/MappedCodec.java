package io.shm4j.store;

import io.shm4j.segment.Segment;
import java.lang.foreign.MemorySegment;

/**
 * A codec whose values are handles over the object's shared memory, such as
 * {@link io.shm4j.array.SharedArray} ({@code npy}) and {@link io.shm4j.frame.SharedFrame}
 * ({@code arrow}): {@code get} maps nothing new and copies nothing.
 *
 * <p>The store calls {@link #wrap} once per process while the object is pinned there, handing
 * over its one read-only mapping of the object; every {@code get} in the process then returns
 * {@link #share share(value)}: a borrowed handle that owns nothing (closing it is harmless, as
 * for every borrowed value in shm4j). When the last hold in the process is released, the store
 * closes the wrapped value (which unmaps).
 *
 * <p>Implementations must be thread-safe and stateless.
 *
 * @param <T> the value type: a handle that owns the mapping it wraps
 */
public interface MappedCodec<T extends AutoCloseable> extends ObjectCodec<T> {

    /**
     * The value over the object's read-only mapping (kind {@code object}), taking the mapping
     * over: closing the value must close {@code mapping}, and on failure this method closes it.
     *
     * @throws io.shm4j.BadFormatException if the bytes are not this codec's format
     */
    T wrap(Segment mapping);

    /**
     * What one {@code get} returns given the wrapped value: a view of it that owns nothing, so
     * that closing it cannot unmap the store's mapping (for example {@code wrapped.borrow()}).
     */
    T share(T wrapped);

    /**
     * Not used by the store for mapped codecs (it calls {@link #wrap}); values of this codec
     * need the segment, not only its bytes.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    default T decode(MemorySegment bytes) {
        throw new UnsupportedOperationException("codec " + id() + " makes values from the object's mapping:"
                + " get them with ObjectStore.get, which calls wrap(Segment)");
    }
}
