package io.shm4j.pool.internal;

import io.shm4j.pool.RowChunk;
import io.shm4j.pool.TaskNotSerializableException;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentRef;
import io.shm4j.store.ObjectRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes items and results: common small values (null, boxed primitives, strings, byte and
 * double arrays, {@link SegmentRef}, {@link RowChunk}, {@link ObjectRef}) with a one-byte tag and no Java
 * serialization, everything else with Java serialization.
 *
 * <pre>
 *  value: tag u8 | payload
 *    0 null | 1 int i32 | 2 long i64 | 3 double f64 | 4 boolean u8 | 5 string (len i32, UTF-8)
 *    6 byte[] (len i32, bytes) | 7 double[] (len i32, f64...) | 8 SegmentRef (name utf, kind utf,
 *    size i64, generation i64) | 9 RowChunk (SegmentRef payload, index i32, start i64, end i64)
 *    10 float f32 | 11 ObjectRef (store utf, name utf, generation i64, size i64, codec utf)
 *    100 Java-serialized (len i32, bytes)
 * </pre>
 * Stateless and thread-safe.
 */
final class Values {
    private Values() {}

    /** Doubles per bulk chunk (big-endian, as DataOutput writes them): 512 KiB of bytes. */
    private static final int CHUNK = 1 << 16;

    /** Writes doubles in bulk chunks: one copy through a byte buffer, not a call per element. */
    private static void writeDoubles(double[] d, DataOutputStream out) throws IOException {
        byte[] buf = new byte[Math.min(d.length, CHUNK) * Double.BYTES];
        java.nio.DoubleBuffer view = java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.BIG_ENDIAN).asDoubleBuffer();
        for (int off = 0; off < d.length; off += CHUNK) {
            int n = Math.min(CHUNK, d.length - off);
            view.clear();
            view.put(d, off, n);
            out.write(buf, 0, n * Double.BYTES);
        }
    }

    private static double[] readDoubles(int length, DataInputStream in) throws IOException {
        double[] d = new double[length];
        byte[] buf = new byte[Math.min(length, CHUNK) * Double.BYTES];
        java.nio.DoubleBuffer view = java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.BIG_ENDIAN).asDoubleBuffer();
        for (int off = 0; off < length; off += CHUNK) {
            int n = Math.min(CHUNK, length - off);
            in.readFully(buf, 0, n * Double.BYTES);
            view.clear();
            view.get(d, off, n);
        }
        return d;
    }

    static void encode(Object v, DataOutputStream out) throws IOException {
        switch (v) {
            case null -> out.writeByte(0);
            case Integer i -> {
                out.writeByte(1);
                out.writeInt(i);
            }
            case Long l -> {
                out.writeByte(2);
                out.writeLong(l);
            }
            case Double d -> {
                out.writeByte(3);
                out.writeDouble(d);
            }
            case Boolean b -> {
                out.writeByte(4);
                out.writeBoolean(b);
            }
            case String s -> {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                out.writeByte(5);
                out.writeInt(b.length);
                out.write(b);
            }
            case byte[] b -> {
                out.writeByte(6);
                out.writeInt(b.length);
                out.write(b);
            }
            case double[] d -> {
                out.writeByte(7);
                out.writeInt(d.length);
                writeDoubles(d, out);
            }
            case SegmentRef r -> {
                out.writeByte(8);
                writeRef(r, out);
            }
            case RowChunk c -> {
                out.writeByte(9);
                writeRef(c.ref(), out);
                out.writeInt(c.index());
                out.writeLong(c.start());
                out.writeLong(c.end());
            }
            case Float f -> {
                out.writeByte(10);
                out.writeFloat(f);
            }
            case ObjectRef<?> r -> {
                out.writeByte(11);
                out.writeUTF(r.store());
                out.writeUTF(r.name());
                out.writeLong(r.generation());
                out.writeLong(r.size());
                out.writeUTF(r.codec());
            }
            default -> {
                byte[] b = serialize(v, "value");
                out.writeByte(100);
                out.writeInt(b.length);
                out.write(b);
            }
        }
    }

    static Object decode(DataInputStream in) throws IOException {
        int tag = in.readUnsignedByte();
        return switch (tag) {
            case 0 -> null;
            case 1 -> in.readInt();
            case 2 -> in.readLong();
            case 3 -> in.readDouble();
            case 4 -> in.readBoolean();
            case 5 -> new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
            case 6 -> in.readNBytes(in.readInt());
            case 7 -> readDoubles(in.readInt(), in);
            case 8 -> readRef(in);
            case 9 -> new RowChunk(readRef(in), in.readInt(), in.readLong(), in.readLong());
            case 10 -> in.readFloat();
            case 11 -> new ObjectRef<>(in.readUTF(), in.readUTF(), in.readLong(), in.readLong(), in.readUTF());
            case 100 -> deserialize(in.readNBytes(in.readInt()));
            default -> throw new IOException("corrupt frame: unknown value tag=" + tag);
        };
    }

    static void writeRef(SegmentRef r, DataOutputStream out) throws IOException {
        out.writeUTF(r.name());
        out.writeUTF(r.kind().name());
        out.writeLong(r.size());
        out.writeLong(r.generation());
    }

    static SegmentRef readRef(DataInputStream in) throws IOException {
        return new SegmentRef(in.readUTF(), SegmentKind.valueOf(in.readUTF()), in.readLong(), in.readLong());
    }

    /**
     * Java-serializes {@code v}.
     *
     * @throws TaskNotSerializableException naming what could not be serialized and why
     */
    static byte[] serialize(Object v, String what) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
            oos.writeObject(v);
        } catch (IOException | RuntimeException e) {
            throw new TaskNotSerializableException("cannot serialize the " + what
                    + " to send it to a worker: class=" + (v == null ? "null" : v.getClass().getName())
                    + ", problem=" + e + "; make it Serializable (a lambda must be assigned to Task or"
                    + " SerializableFunction) and capture only serializable values such as refs,"
                    + " never `this` of a non-serializable class or the shared data itself", e);
        }
        return bytes.toByteArray();
    }

    /** Java-serializes {@code v} straight into {@code out} (no intermediate array). */
    static void serializeTo(Object v, String what, java.io.OutputStream out) throws IOException {
        ObjectOutputStream oos;
        try {
            oos = new ObjectOutputStream(new java.io.FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len); // FilterOutputStream would write byte by byte
                }

                @Override
                public void close() throws IOException {
                    flush(); // the frame goes on after the object
                }
            });
            oos.writeObject(v);
            oos.close();
        } catch (IOException | RuntimeException e) {
            throw new TaskNotSerializableException("cannot serialize the " + what
                    + " to send it to a worker: class=" + (v == null ? "null" : v.getClass().getName())
                    + ", problem=" + e + "; make it Serializable (a lambda must be assigned to Task or"
                    + " SerializableFunction) and capture only serializable values such as refs,"
                    + " never `this` of a non-serializable class or the shared data itself", e);
        }
    }

    static Object deserialize(byte[] b) throws IOException {
        try (ObjectInputStream ois = new ObjectInputStream(new ByteArrayInputStream(b))) {
            return ois.readObject();
        } catch (ClassNotFoundException e) {
            throw new IOException("cannot deserialize: missing class " + e.getMessage()
                    + "; workers load classes from the class path the pool derived (docs/pool.md, \"Where workers find"
                    + " the code\"): add the jar or directory of that class with WorkerPool.builder().classPath(...)", e);
        }
    }

    /** A task's failure as it crossed from a worker: the class name, the message, the throwable. */
    record Failure(String className, String message, Throwable cause) {
        /** "class: message", for error messages. */
        String summary() {
            return className + (message.isEmpty() ? "" : ": " + message);
        }
    }

    /**
     * Writes a task's failure for the caller: class name, message (cut at 16,000 characters),
     * stack trace, then the serialized throwable when it serializes (empty otherwise: the rest
     * still travels). Read by {@link #readFailure}.
     */
    static void writeFailure(DataOutputStream out, Throwable t) throws IOException {
        out.writeUTF(t.getClass().getName());
        String m = t.getMessage() == null ? "" : t.getMessage();
        out.writeUTF(m.length() > 16_000 ? m.substring(0, 16_000) + "..." : m);
        StackTraceElement[] trace = t.getStackTrace();
        out.writeInt(trace.length);
        for (StackTraceElement e : trace) {
            out.writeUTF(e.getClassName());
            out.writeUTF(e.getMethodName());
            out.writeUTF(e.getFileName() == null ? "" : e.getFileName());
            out.writeInt(e.getLineNumber());
        }
        byte[] serialized;
        try {
            serialized = serialize(t, "exception");
        } catch (Throwable e) { // the class name, message and trace above still travel
            serialized = new byte[0];
        }
        out.writeInt(serialized.length);
        out.write(serialized);
    }

    /**
     * Reads what {@link #writeFailure} wrote: the worker's own throwable when it deserializes
     * here, otherwise a {@link io.shm4j.pool.RemoteException} with its class name, message and
     * stack trace.
     */
    static Failure readFailure(DataInputStream in) throws IOException {
        String className = in.readUTF();
        String message = in.readUTF();
        StackTraceElement[] trace = new StackTraceElement[in.readInt()];
        for (int i = 0; i < trace.length; i++) {
            String cls = in.readUTF();
            String method = in.readUTF();
            String file = in.readUTF();
            trace[i] = new StackTraceElement(cls, method, file.isEmpty() ? null : file, in.readInt());
        }
        byte[] serialized = in.readNBytes(in.readInt());
        Throwable cause = null;
        if (serialized.length > 0) {
            try {
                cause = (Throwable) deserialize(serialized);
            } catch (IOException | RuntimeException e) {
                cause = null; // a class this side lacks: the remote form below
            }
        }
        if (cause == null) {
            cause = new io.shm4j.pool.RemoteException(className, message.isEmpty() ? null : message);
            cause.setStackTrace(trace);
        }
        return new Failure(className, message, cause);
    }
}
