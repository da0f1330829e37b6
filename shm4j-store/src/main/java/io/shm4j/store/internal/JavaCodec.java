package io.shm4j.store.internal;

import io.shm4j.BadFormatException;
import io.shm4j.store.ObjectCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code java}: any {@link Serializable}, in Java serialization, serialized once at put and
 * deserialized on every {@code get} (a fresh copy each time, as Ray's Java API does).
 *
 * <p>Deserialization trusts the store's processes (the same user's, by file mode 0600); set a
 * JVM-wide {@code jdk.serialFilter} to restrict classes. Stateless, thread-safe.
 */
public final class JavaCodec implements ObjectCodec<Serializable> {
    public static final String ID = "java";

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
        return value instanceof Serializable;
    }

    @Override
    public Encoded encode(Serializable value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
            oos.writeObject(value);
        } catch (IOException e) {
            throw new BadFormatException("cannot serialize value: type=" + value.getClass().getName()
                    + ", error=" + e + "; make every field Serializable or put the bytes yourself", e);
        }
        byte[] bytes = out.toByteArray();
        return Encoded.of(bytes.length,
                target -> MemorySegment.copy(bytes, 0, target, ValueLayout.JAVA_BYTE, 0, bytes.length));
    }

    @Override
    public Serializable decode(MemorySegment bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new SegmentInputStream(bytes))) {
            return (Serializable) in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new BadFormatException("cannot deserialize object: size=" + bytes.byteSize() + ", error="
                    + e + "; the reading process needs the same classes on its class path", e);
        }
    }

    /** Reads a memory segment sequentially. */
    private static final class SegmentInputStream extends InputStream {
        private final MemorySegment bytes;
        private long pos;

        SegmentInputStream(MemorySegment bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return pos < bytes.byteSize() ? bytes.get(ValueLayout.JAVA_BYTE, pos++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long left = bytes.byteSize() - pos;
            if (left <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = (int) Math.min(len, left);
            MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
