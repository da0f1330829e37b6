package io.shm4j.list;

import io.shm4j.segment.Access;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.ShmOptions;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A fixed-length list of mixed scalars — {@code Long}, {@code Double}, {@code Boolean},
 * {@code String}, {@code byte[]} and {@code null} — in a named shared-memory segment, in exactly
 * the layout of CPython's {@code multiprocessing.shared_memory.ShareableList} (see
 * {@link ShareableListLayout}). A list Python creates with {@code ShareableList([...], name=n)}
 * is attached here with {@link #attach(String)}, and one created here is attached in Python with
 * {@code ShareableList(name=n)}; both sides read and update the same bytes.
 *
 * <p><b>The rules are Python's:</b> the length is fixed; every item has a slot fixed at creation
 * (8 bytes for a number, bool or None; a string or byte string gets its encoded length rounded
 * up to the next multiple of 8, at least one byte more). A value of any type may replace an item
 * if it fits the slot; a string or byte string longer than its slot is a
 * {@link ListItemException} (CPython raises {@code ValueError}), never a truncation. Python
 * strips trailing NUL bytes from strings and byte strings on read, so values ending in NUL are
 * refused here. Integers are int64 (CPython's {@code q}).
 *
 * <p><b>Processes and visibility:</b> an update that keeps an item's type is one aligned 8-byte
 * store for an int or float ({@link #setLong}, {@link #setDouble} with release semantics; reads
 * with acquire semantics), so other processes see the old or the new value, never a mix;
 * {@link #getAndAddLong}, {@link #compareAndSetLong}, {@link #getAndAddDouble} and
 * {@link #compareAndSetDouble} are atomic read-modify-writes across processes (CPython itself
 * has no atomic operations: Python writers updating the same item concurrently need a lock).
 * Writing a string or byte string, or changing an item's type, writes several fields (value,
 * format, code) and is not atomic against a concurrent reader: coordinate such writers and
 * readers yourself (for example through an int item used as a version or flag).
 *
 * <p><b>Ownership:</b> a list created here is a shm4j segment of kind {@code list} with shm4j's
 * bookkeeping: scoped to this process unless the options say persistent, removed by {@link #close()}
 * of the creating handle, at exit, or by {@code shm4j gc} after a crash. A list Python created is
 * a foreign segment: {@link #close()} only unmaps, {@link #unlink()} removes the name (as
 * Python's {@code shm.unlink()}).
 *
 * <p><b>Threading:</b> thread-safe in the same sense as across processes (see above);
 * {@link #close()} is idempotent, and access after it throws
 * {@link io.shm4j.segment.SegmentClosedException}.
 */
public final class SharedList implements AutoCloseable {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private final Segment segment;
    private final long[] offsets;
    private final int count;
    private final long dataStart;
    private final long formatsStart;
    private final long codesStart;

    private SharedList(Segment segment, long[] offsets) {
        this.segment = segment;
        this.offsets = offsets;
        this.count = offsets.length - 1;
        this.dataStart = ShareableListLayout.dataStart(count);
        this.formatsStart = dataStart + offsets[count];
        this.codesStart = formatsStart + (long) ShareableListLayout.FORMAT_BYTES * count;
    }

    /**
     * Creates a list holding {@code items}, under a generated name, scoped to this process; this
     * handle owns it.
     */
    public static SharedList create(List<?> items) {
        return create(ShmOptions.defaults(), items);
    }

    /** Creates a list holding {@code items} under {@code name}, scoped to this process; this handle owns it. */
    public static SharedList create(String name, List<?> items) {
        return create(ShmOptions.named(name), items);
    }

    /**
     * Creates a list holding {@code items} with the options' name, lifetime, owner, mode and
     * directory (a list is always mutable), reserved, written and published atomically.
     *
     * @throws ListItemException if an item is of a type a {@code ShareableList} cannot hold
     */
    public static SharedList create(ShmOptions options, List<?> items) {
        Objects.requireNonNull(items, "items");
        int n = items.size();
        ItemType[] types = new ItemType[n];
        byte[][] encoded = new byte[n][];
        long[] offsets = new long[n + 1];
        for (int i = 0; i < n; i++) {
            Object v = items.get(i);
            types[i] = typeOf(v, i);
            encoded[i] = types[i].isVariable() ? encode(v, types[i], i) : null;
            int slot = ShareableListLayout.slotBytes(types[i], encoded[i] == null ? 0 : encoded[i].length);
            if (slot > ShareableListLayout.MAX_STRING_SLOT) {
                throw new ListItemException("item too large for a ShareableList: index=" + i + ", bytes="
                        + encoded[i].length + ", max=" + (ShareableListLayout.MAX_STRING_SLOT - 1)
                        + "; share large values as an array or a raw segment");
            }
            offsets[i + 1] = offsets[i] + slot;
        }
        long size = ShareableListLayout.size(n, offsets[n]);
        PendingSegment pending = options.directoryOrCurrent().reserve(options.asMutable().spec(size, SegmentKind.LIST));
        Segment segment;
        try {
            MemorySegment m = pending.memory();
            m.set(ValueLayout.JAVA_LONG, 0, n);
            MemorySegment.copy(offsets, 0, m, ValueLayout.JAVA_LONG, 8, n + 1);
            SharedList writer = new SharedList(null, offsets);
            for (int i = 0; i < n; i++) {
                writer.write(m, i, types[i], items.get(i), encoded[i]);
            }
            segment = pending.publish();
        } catch (RuntimeException | Error e) {
            pending.close();
            throw e;
        }
        return new SharedList(segment, offsets);
    }

    /** Attaches the list named {@code name} (created by Python or Java) read-write. */
    public static SharedList attach(String name) {
        return attach(name, Access.READ_WRITE);
    }

    /**
     * Attaches the list named {@code name}.
     *
     * @throws ListFormatException if the segment is not a {@code ShareableList}
     */
    public static SharedList attach(String name, Access access) {
        Segment segment = Segment.attach(name, access);
        try {
            return new SharedList(segment, ShareableListLayout.check(segment.memory(), name));
        } catch (RuntimeException e) {
            segment.close();
            throw e;
        }
    }

    /** The number of items (fixed at creation). */
    public int size() {
        return count;
    }

    /** The segment's name (what Python's {@code ShareableList(name=...)} takes). */
    public String name() {
        return segment.name();
    }

    /** The ref naming this list's segment, to send to another process. */
    public SegmentRef ref() {
        return segment.ref();
    }

    /** The bytes allocated to item {@code index}: the longest encoded string or byte string it can hold. */
    public int capacity(int index) {
        checkIndex(index);
        return (int) (offsets[index + 1] - offsets[index]);
    }

    /**
     * The type item {@code index} holds now.
     *
     * @throws ListFormatException if its format or code is not one CPython writes
     */
    public ItemType type(int index) {
        checkIndex(index);
        return typeAt(memory(), index);
    }

    /** Item {@code index}: a {@code Long}, {@code Double}, {@code Boolean}, {@code String}, {@code byte[]} or {@code null}. */
    public Object get(int index) {
        checkIndex(index);
        MemorySegment m = memory();
        ItemType type = typeAt(m, index);
        long at = dataStart + offsets[index];
        return switch (type) {
            case INT -> (long) LONG.getAcquire(m, at);
            case FLOAT -> Double.longBitsToDouble((long) LONG.getAcquire(m, at));
            case BOOL -> m.get(BYTE, at + 7) != 0;
            case NONE -> null;
            case STR -> decode(stringBytes(m, index), index);
            case BYTES -> stringBytes(m, index);
        };
    }

    /** Item {@code index}, which must hold an int (acquire read). */
    public long getLong(int index) {
        return (long) LONG.getAcquire(memory(index, ItemType.INT), dataStart + offsets[index]);
    }

    /** Item {@code index}, which must hold a float (acquire read). */
    public double getDouble(int index) {
        return Double.longBitsToDouble((long) LONG.getAcquire(memory(index, ItemType.FLOAT), dataStart + offsets[index]));
    }

    /** Item {@code index}, which must hold a bool. */
    public boolean getBoolean(int index) {
        return memory(index, ItemType.BOOL).get(BYTE, dataStart + offsets[index] + 7) != 0;
    }

    /** Item {@code index}, which must hold a string. */
    public String getString(int index) {
        return decode(stringBytes(memory(index, ItemType.STR), index), index);
    }

    /** Item {@code index}, which must hold a byte string (a copy). */
    public byte[] getBytes(int index) {
        return stringBytes(memory(index, ItemType.BYTES), index);
    }

    /** Whether item {@code index} holds None / null. */
    public boolean isNull(int index) {
        return type(index) == ItemType.NONE;
    }

    /** A snapshot of every item, in order (not atomic across items). */
    public List<Object> toList() {
        List<Object> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(get(i));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Replaces item {@code index} with {@code value} (a {@code Long}, {@code Integer},
     * {@code Short}, {@code Byte}, {@code Double}, {@code Float}, {@code Boolean}, {@code String},
     * {@code byte[]} or {@code null}), changing the item's type if needed, as Python's
     * {@code sl[index] = value} does.
     *
     * @throws ListItemException if the value is of another type or does not fit the slot
     */
    public void set(int index, Object value) {
        checkIndex(index);
        ItemType type = typeOf(value, index);
        byte[] encoded = type.isVariable() ? encode(value, type, index) : null;
        write(memory(), index, type, value, encoded);
    }

    /** Stores an int; one atomic release store if the item already holds an int. */
    public void setLong(int index, long value) {
        set(index, value);
    }

    /** Stores a float; one atomic release store if the item already holds a float. */
    public void setDouble(int index, double value) {
        set(index, value);
    }

    /** Stores a bool. */
    public void setBoolean(int index, boolean value) {
        set(index, value);
    }

    /** Stores a string, at most {@link #capacity(int)} bytes in UTF-8. */
    public void setString(int index, String value) {
        set(index, Objects.requireNonNull(value, "value"));
    }

    /** Stores a byte string of at most {@link #capacity(int)} bytes. */
    public void setBytes(int index, byte[] value) {
        set(index, Objects.requireNonNull(value, "value"));
    }

    /** Stores None / null. */
    public void setNull(int index) {
        set(index, null);
    }

    /** Atomically adds {@code delta} to an int item; returns the previous value. */
    public long getAndAddLong(int index, long delta) {
        return (long) LONG.getAndAdd(memory(index, ItemType.INT), dataStart + offsets[index], delta);
    }

    /** Atomically sets an int item to {@code update} if it holds {@code expected}. */
    public boolean compareAndSetLong(int index, long expected, long update) {
        return LONG.compareAndSet(memory(index, ItemType.INT), dataStart + offsets[index], expected, update);
    }

    /** Atomically adds {@code delta} to a float item (a compare-and-set loop); returns the previous value. */
    public double getAndAddDouble(int index, double delta) {
        MemorySegment m = memory(index, ItemType.FLOAT);
        long at = dataStart + offsets[index];
        while (true) {
            long bits = (long) LONG.getVolatile(m, at);
            double old = Double.longBitsToDouble(bits);
            if (LONG.compareAndSet(m, at, bits, Double.doubleToRawLongBits(old + delta))) {
                return old;
            }
        }
    }

    /**
     * Atomically sets a float item to {@code update} if its bits equal those of {@code expected}
     * (so NaN matches the same NaN, and 0.0 does not match -0.0).
     */
    public boolean compareAndSetDouble(int index, double expected, double update) {
        return LONG.compareAndSet(memory(index, ItemType.FLOAT), dataStart + offsets[index],
                Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(update));
    }

    /** Unmaps here; on the creating handle of a scoped list also removes the name. Idempotent. */
    @Override
    public void close() {
        segment.close();
    }

    /** Removes the name (mappings stay valid until closed), like Python's {@code shm.unlink()}. */
    public void unlink() {
        segment.unlink();
    }

    @Override
    public String toString() {
        return "SharedList[name=" + segment.name() + ", size=" + count + (segment.isClosed() ? ", closed" : "") + "]";
    }

    // ---- reading and writing one item -------------------------------------------------------

    private MemorySegment memory() {
        return segment.memory();
    }

    /** The memory, after checking the index and that the item holds {@code expected}. */
    private MemorySegment memory(int index, ItemType expected) {
        checkIndex(index);
        MemorySegment m = memory();
        ItemType actual = typeAt(m, index);
        if (actual != expected) {
            throw new ListItemException("item holds another type: index=" + index + ", type=" + actual
                    + ", asked=" + expected + "; use get(" + index + ") or type(" + index + ")");
        }
        return m;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("list index out of range: index=" + index + ", size=" + count
                    + (segment == null ? "" : ", name=" + segment.name()));
        }
    }

    private String formatAt(MemorySegment m, int index) {
        long at = formatsStart + (long) ShareableListLayout.FORMAT_BYTES * index;
        int len = 0;
        while (len < ShareableListLayout.FORMAT_BYTES && m.get(BYTE, at + len) != 0) {
            len++;
        }
        byte[] b = new byte[len];
        MemorySegment.copy(m, BYTE, at, b, 0, len);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private ItemType typeAt(MemorySegment m, int index) {
        String format = formatAt(m, index);
        int code = m.get(BYTE, codesStart + index);
        ItemType type = ItemType.of(format, code);
        if (type == null || (type.isVariable() && ItemType.stringFormatLength(format) > capacityOf(index))) {
            throw ShareableListLayout.bad(segment == null ? "?" : segment.name(), "unknown item format: index="
                    + index + ", format=" + printable(format) + ", code=" + code);
        }
        return type;
    }

    private long capacityOf(int index) {
        return offsets[index + 1] - offsets[index];
    }

    /** The bytes of a string item as Python unpacks them: its format's length, trailing NULs stripped. */
    private byte[] stringBytes(MemorySegment m, int index) {
        int k = ItemType.stringFormatLength(formatAt(m, index));
        long at = dataStart + offsets[index];
        int end = k;
        while (end > 0 && m.get(BYTE, at + end - 1) == 0) {
            end--;
        }
        byte[] b = new byte[end];
        MemorySegment.copy(m, BYTE, at, b, 0, end);
        return b;
    }

    private String decode(byte[] bytes, int index) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ListFormatException("string item is not valid UTF-8: name=" + segment.name()
                    + ", index=" + index + ", bytes=" + bytes.length);
        }
    }

    private void write(MemorySegment m, int index, ItemType type, Object value, byte[] encoded) {
        long at = dataStart + offsets[index];
        int slot = (int) capacityOf(index);
        boolean sameType = segment != null && typeAt(m, index) == type;
        switch (type) {
            case INT -> writeFixed(m, index, type, at, ((Number) value).longValue(), sameType);
            case FLOAT -> writeFixed(m, index, type, at, Double.doubleToRawLongBits(((Number) value).doubleValue()), sameType);
            // struct packs the pad bytes 'x' as zeros: the whole 8-byte slot is written.
            case BOOL -> writeFixed(m, index, type, at, ValueLayout.JAVA_LONG.order() == java.nio.ByteOrder.LITTLE_ENDIAN
                    ? ((Boolean) value ? 1L << 56 : 0L) : ((Boolean) value ? 1L : 0L), sameType);
            case NONE -> writeFixed(m, index, type, at, 0L, sameType);
            case STR, BYTES -> {
                // Python keeps a string slot's current format ("<k>s") and otherwise uses the slot size.
                int k = sameType || (segment != null && typeAt(m, index).isVariable())
                        ? ItemType.stringFormatLength(formatAt(m, index)) : slot;
                if (encoded.length > k) {
                    throw new ListItemException((type == ItemType.STR ? "string" : "byte string")
                            + " does not fit the item's slot: index=" + index + ", bytes=" + encoded.length
                            + ", capacity=" + k + "; a ShareableList's slots are fixed at creation:"
                            + " create the list with a longer value in this position");
                }
                MemorySegment.copy(encoded, 0, m, BYTE, at, encoded.length);
                m.asSlice(at + encoded.length, k - encoded.length).fill((byte) 0);
                writeFormat(m, index, type.format(k), type);
            }
        }
    }

    private void writeFixed(MemorySegment m, int index, ItemType type, long at, long bits, boolean sameType) {
        LONG.setRelease(m, at, bits);
        if (!sameType) {
            writeFormat(m, index, type.format(8), type);
        }
    }

    private void writeFormat(MemorySegment m, int index, String format, ItemType type) {
        long at = formatsStart + (long) ShareableListLayout.FORMAT_BYTES * index;
        byte[] f = format.getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(f, 0, m, BYTE, at, f.length);
        m.asSlice(at + f.length, ShareableListLayout.FORMAT_BYTES - f.length).fill((byte) 0);
        m.set(BYTE, codesStart + index, (byte) type.code());
    }

    // ---- Java values ----------------------------------------------------------------------

    private static ItemType typeOf(Object v, int index) {
        if (v == null) {
            return ItemType.NONE;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ItemType.INT;
        }
        if (v instanceof BigInteger b) {
            if (b.bitLength() > 63) {
                throw new ListItemException("integer out of int64 range: index=" + index + ", value=" + b
                        + "; a ShareableList stores ints as int64 (struct format q)");
            }
            return ItemType.INT;
        }
        if (v instanceof Double || v instanceof Float) {
            return ItemType.FLOAT;
        }
        if (v instanceof Boolean) {
            return ItemType.BOOL;
        }
        if (v instanceof String || v instanceof Character) {
            return ItemType.STR;
        }
        if (v instanceof byte[]) {
            return ItemType.BYTES;
        }
        throw new ListItemException("value of a type a ShareableList cannot hold: index=" + index + ", type="
                + v.getClass().getName() + "; use Long, Double, Boolean, String, byte[] or null");
    }

    private static byte[] encode(Object v, ItemType type, int index) {
        byte[] b = type == ItemType.BYTES ? ((byte[]) v).clone() : v.toString().getBytes(StandardCharsets.UTF_8);
        if (b.length > 0 && b[b.length - 1] == 0) {
            throw new ListItemException("value ends in a NUL byte, which Python strips on read: index=" + index
                    + ", bytes=" + b.length + "; remove the trailing NUL characters");
        }
        return b;
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return "'" + out + "'";
    }
}
