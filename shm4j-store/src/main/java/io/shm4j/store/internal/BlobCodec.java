package io.shm4j.store.internal;

import io.shm4j.store.ObjectCodec;
import java.lang.foreign.MemorySegment;

/**
 * {@code blob}: the bytes of a {@link MemorySegment}, stored as they are. {@code get} returns
 * a read-only view of the shared memory: no copy. Stateless, thread-safe.
 */
public final class BlobCodec implements ObjectCodec<MemorySegment> {
    public static final String ID = "blob";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean accepts(Object value) {
        return value instanceof MemorySegment;
    }

    @Override
    public Encoded encode(MemorySegment value) {
        return FileEncoded.ofParts(value);
    }

    @Override
    public MemorySegment decode(MemorySegment bytes) {
        return bytes;
    }
}
