package io.shm4j.store.internal;

import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.Segment;
import io.shm4j.store.MappedCodec;
import java.lang.foreign.MemorySegment;

/**
 * {@code arrow}: a data frame as the Arrow IPC file it already is — the object's bytes are a
 * copy of the frame's bytes, so pyarrow, pandas and polars open the object file in place.
 * {@code get} returns a borrowed (non-owning) {@link SharedFrame} over the store's mapping:
 * closing it is harmless; release the ref to drop the hold.
 *
 * <p>Stateless, thread-safe.
 */
public final class FrameCodec implements MappedCodec<SharedFrame> {
    public static final String ID = "arrow";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean accepts(Object value) {
        return value instanceof SharedFrame;
    }

    @Override
    public Encoded encode(SharedFrame frame) {
        MemorySegment bytes = frame.memory();
        return FileEncoded.ofParts(bytes);
    }

    @Override
    public SharedFrame wrap(Segment mapping) {
        return SharedFrame.of(mapping);
    }

    /** A borrowed handle on the store's mapping: closing it is harmless. */
    @Override
    public SharedFrame share(SharedFrame wrapped) {
        return wrapped.borrow();
    }
}
