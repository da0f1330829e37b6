package io.shm4j.store.internal;

import io.shm4j.store.ObjectCodec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code bytes}: a {@code byte[]} stored as it is; {@code get} returns a copy (a Java array
 * cannot live in shared memory; put a {@link MemorySegment} for a zero-copy get).
 * Stateless, thread-safe.
 */
public final class BytesCodec implements ObjectCodec<byte[]> {
    public static final String ID = "bytes";

    @Override
    public boolean decodesToCopy() {
        return true;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean accepts(Object value) {
        return value instanceof byte[];
    }

    @Override
    public Encoded encode(byte[] value) {
        return FileEncoded.ofParts(MemorySegment.ofArray(value));
    }

    @Override
    public byte[] decode(MemorySegment bytes) {
        return bytes.toArray(ValueLayout.JAVA_BYTE);
    }
}
