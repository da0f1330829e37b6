package io.shm4j.store;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * How values of one type are written into an object's shared memory and read back: the
 * store's plug-in point. Built in: {@code blob} ({@link MemorySegment}, zero-copy get),
 * {@code bytes} ({@code byte[]}) and {@code java} (any {@link java.io.Serializable}); add more
 * with {@link ObjectStoreConfig#withCodec}.
 *
 * <p>Implementations must be thread-safe and stateless; the same codec id must mean the same
 * format in every process using the store.
 *
 * @param <T> the value type
 */
public interface ObjectCodec<T> {
    /** The id stored with each object and in its ref: lower-case letters, digits and '-'. */
    String id();

    /** Whether {@link ObjectStore#put(Object)} should use this codec for {@code value}. */
    boolean accepts(Object value);

    /** Encodes a value: its exact size, and how to write it. Called once per put. */
    Encoded encode(T value);

    /**
     * Reads a value from an object's bytes. The segment is read-only and valid until the
     * object is released in this process; a codec that returns a view over it (no copy) makes
     * {@code get} zero-copy.
     */
    T decode(MemorySegment bytes);

    /**
     * Whether {@link #decode} returns a copy that does not refer to the object's memory (as
     * {@code bytes} and {@code java} do): then {@link ObjectStore#get} leaves no hold behind.
     * Default false: the value may be a view, and the get holds the object until released.
     */
    default boolean decodesToCopy() {
        return false;
    }

    /** A value ready to be written: its size and a writer that fills exactly that many bytes. */
    interface Encoded {
        /** The encoded size in bytes. */
        long size();

        /** Writes the encoding into {@code target} (exactly {@link #size()} bytes, zero-filled). */
        void writeTo(MemorySegment target);

        /** An encoding from a size and a writer. */
        static Encoded of(long size, Consumer<MemorySegment> writer) {
            return new Encoded() {
                @Override
                public long size() {
                    return size;
                }

                @Override
                public void writeTo(MemorySegment target) {
                    writer.accept(target);
                }
            };
        }
    }
}
