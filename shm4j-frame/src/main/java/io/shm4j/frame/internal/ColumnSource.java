package io.shm4j.frame.internal;

import io.shm4j.frame.ColumnType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;
import java.util.function.LongToDoubleFunction;
import java.util.function.LongUnaryOperator;

/**
 * Where the values of one column come from when a frame is written. The writer calls
 * {@link #measure()} once (null count, byte sizes, dictionary), lays the file out, then calls
 * {@link #write} once with the buffers, which are slices of the target segment: values go
 * straight from the source into shared memory.
 *
 * <p>Not thread-safe; used by one writer once.
 */
public abstract class ColumnSource {
    protected final ArrowField field;
    protected final long length;
    protected final LongPredicate isNull;
    /** Nulls, known after {@link #measure()}. */
    protected long nullCount = -1;

    protected ColumnSource(ArrowField field, long length, LongPredicate isNull) {
        this.field = field;
        this.length = length;
        this.isNull = isNull;
    }

    /** The field to declare (may change during {@link #measure()}, for example to large_utf8). */
    public ArrowField field() {
        return field;
    }

    /** Rows. */
    public long length() {
        return length;
    }

    /** First pass: counts nulls and sizes variable data. */
    public void measure() {
        long n = 0;
        if (isNull != null) {
            for (long i = 0; i < length; i++) {
                if (isNull.test(i)) {
                    n++;
                }
            }
        }
        nullCount = n;
    }

    /** The null count (after {@link #measure()}). */
    public long nullCount() {
        return nullCount;
    }

    /** Bytes of the offsets buffer (strings only). */
    public long offsetsBytes() {
        return 0;
    }

    /** Bytes of the values buffer. */
    public abstract long valuesBytes();

    /** The dictionary values (categories only, else null). */
    public ColumnSource dictionary() {
        return null;
    }

    /** Writes the buffers; {@code validity} is null when there are no nulls. */
    public void write(MemorySegment validity, MemorySegment offsets, MemorySegment values) {
        if (validity != null) {
            writeBitmap(validity, length, i -> !isNull.test(i));
        }
        writeValues(offsets, values);
    }

    /** Writes the offsets (strings) and values. */
    protected abstract void writeValues(MemorySegment offsets, MemorySegment values);

    /** Writes a bitmap of {@code n} bits, least significant bit first. */
    public static void writeBitmap(MemorySegment dst, long n, LongPredicate bit) {
        long i = 0;
        long byteIndex = 0;
        while (i < n) {
            int b = 0;
            long end = Math.min(n, i + 8);
            for (int k = 0; i < end; i++, k++) {
                if (bit.test(i)) {
                    b |= 1 << k;
                }
            }
            dst.set(ValueLayout.JAVA_BYTE, byteIndex++, (byte) b);
        }
    }

    /**
     * Writes offset {@code i} of a variable-width column: 32-bit, or 64-bit when {@code wide}
     * (the large Arrow types).
     */
    public static void putOffset(MemorySegment offsets, boolean wide, long i, long pos) {
        if (wide) {
            offsets.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, pos);
        } else {
            offsets.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) pos);
        }
    }

    // ------------------------------------------------------------------ factories

    /** Floating point values from a function (float64 or float32). */
    public static ColumnSource ofDoubles(ArrowField field, long length, LongToDoubleFunction values, LongPredicate isNull) {
        return new Fixed(field, length, isNull) {
            @Override
            protected void writeValues(MemorySegment offsets, MemorySegment dst) {
                if (field.type() == ColumnType.FLOAT32) {
                    for (long i = 0; i < length; i++) {
                        dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) values.applyAsDouble(i));
                    }
                } else {
                    for (long i = 0; i < length; i++) {
                        dst.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, values.applyAsDouble(i));
                    }
                }
            }
        };
    }

    /** Integer (any width) or timestamp values from a function; narrower types keep the low bits. */
    public static ColumnSource ofLongs(ArrowField field, long length, LongUnaryOperator values, LongPredicate isNull) {
        return new Fixed(field, length, isNull) {
            @Override
            protected void writeValues(MemorySegment offsets, MemorySegment dst) {
                switch (field.valueWidth()) {
                    case 8 -> {
                        for (long i = 0; i < length; i++) {
                            dst.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, values.applyAsLong(i));
                        }
                    }
                    case 4 -> {
                        for (long i = 0; i < length; i++) {
                            dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) values.applyAsLong(i));
                        }
                    }
                    case 2 -> {
                        for (long i = 0; i < length; i++) {
                            dst.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) values.applyAsLong(i));
                        }
                    }
                    default -> {
                        for (long i = 0; i < length; i++) {
                            dst.set(ValueLayout.JAVA_BYTE, i, (byte) values.applyAsLong(i));
                        }
                    }
                }
            }
        };
    }

    /** Fixed-width values copied in bulk from a heap array ({@code double[]}, {@code long[]}, ...). */
    public static ColumnSource ofArray(ArrowField field, Object array, long length, LongPredicate isNull) {
        MemorySegment src = switch (array) {
            case double[] a -> MemorySegment.ofArray(a);
            case float[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case byte[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalArgumentException("not a primitive array: " + array.getClass());
        };
        long bytes = length * field.valueWidth();
        if (src.byteSize() < bytes) {
            throw new IllegalArgumentException("array too short: column=" + field.name() + ", bytes=" + src.byteSize()
                    + ", needed=" + bytes);
        }
        return new Fixed(field, length, isNull) {
            @Override
            protected void writeValues(MemorySegment offsets, MemorySegment dst) {
                MemorySegment.copy(src, 0, dst, 0, bytes);
            }
        };
    }

    /** Booleans from a predicate. */
    public static ColumnSource ofBooleans(ArrowField field, long length, LongPredicate values, LongPredicate isNull) {
        return new ColumnSource(field, length, isNull) {
            @Override
            public long valuesBytes() {
                return ArrowFileLayout.bitmapBytes(length);
            }

            @Override
            protected void writeValues(MemorySegment offsets, MemorySegment dst) {
                writeBitmap(dst, length, values);
            }
        };
    }

    /** UTF-8 strings from a function (called twice per row: to size, then to write); null = null. */
    public static ColumnSource ofStrings(ArrowField field, long length, LongFunction<String> values) {
        return new Strings(field, length, values);
    }

    /**
     * Dictionary-encoded strings from category codes: {@code codes(i)} indexes {@code categories},
     * -1 is null.
     */
    public static ColumnSource ofCategories(ArrowField field, long length, List<String> categories,
            java.util.function.LongToIntFunction codes) {
        return new Categories(field, length, categories, codes);
    }

    /** Dictionary-encoded strings from plain values: the dictionary is built in order of appearance. */
    public static ColumnSource ofCategoryValues(ArrowField field, long length, LongFunction<String> values) {
        Map<String, Integer> codes = new HashMap<>();
        List<String> categories = new ArrayList<>();
        int[] small = length <= Integer.MAX_VALUE ? new int[(int) length] : null;
        if (small == null) {
            throw new IllegalArgumentException("too many rows for a category column built from values: rows=" + length);
        }
        for (int i = 0; i < length; i++) {
            String v = values.apply(i);
            if (v == null) {
                small[i] = -1;
            } else {
                Integer c = codes.get(v);
                if (c == null) {
                    c = categories.size();
                    codes.put(v, c);
                    categories.add(v);
                }
                small[i] = c;
            }
        }
        return new Categories(field, length, categories, i -> small[(int) i]);
    }

    /** Bytes of {@code s} in UTF-8, without encoding it. */
    public static long utf8Length(String s) {
        long n = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3; // includes lone surrogates, written as U+FFFD (3 bytes) by putUtf8
            }
        }
        return n;
    }

    /**
     * Encodes {@code s} as UTF-8 into {@code dst} at {@code at}; returns the bytes written, which
     * equal {@link #utf8Length}. Lone surrogates become U+FFFD (3 bytes).
     */
    public static long putUtf8(MemorySegment dst, long at, String s) {
        long p = at;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            int c = s.charAt(i);
            if (c < 0x80) {
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) c);
                continue;
            }
            if (Character.isHighSurrogate((char) c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                c = Character.toCodePoint((char) c, s.charAt(++i));
            } else if (Character.isSurrogate((char) c)) {
                c = 0xFFFD;
            }
            if (c < 0x800) {
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0xC0 | (c >> 6)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | (c & 0x3F)));
            } else if (c < 0x10000) {
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0xE0 | (c >> 12)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | ((c >> 6) & 0x3F)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | (c & 0x3F)));
            } else {
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0xF0 | (c >> 18)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | ((c >> 12) & 0x3F)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | ((c >> 6) & 0x3F)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | (c & 0x3F)));
            }
        }
        return p - at;
    }

    /** Fixed-width values: the values buffer is {@code length × width} bytes. */
    private abstract static class Fixed extends ColumnSource {
        Fixed(ArrowField field, long length, LongPredicate isNull) {
            super(field, length, isNull);
        }

        @Override
        public long valuesBytes() {
            return length * field.valueWidth();
        }
    }

    /** UTF-8 strings; switches to large_utf8 when the data exceed 2 GiB. */
    private static final class Strings extends ColumnSource {
        private final LongFunction<String> values;
        private ArrowField sized;
        private long dataBytes;

        Strings(ArrowField field, long length, LongFunction<String> values) {
            super(field, length, i -> values.apply(i) == null);
            this.values = values;
            this.sized = field;
        }

        @Override
        public ArrowField field() {
            return sized;
        }

        @Override
        public void measure() {
            long nulls = 0;
            long bytes = 0;
            for (long i = 0; i < length; i++) {
                String s = values.apply(i);
                if (s == null) {
                    nulls++;
                } else {
                    bytes += utf8Length(s);
                }
            }
            dataBytes = bytes;
            sized = field.withOffsetWidth(bytes > Integer.MAX_VALUE ? 8 : 4);
            nullCount = nulls;
        }

        @Override
        public long offsetsBytes() {
            return (length + 1) * sized.offsetWidth();
        }

        @Override
        public long valuesBytes() {
            return dataBytes;
        }

        @Override
        public void write(MemorySegment validity, MemorySegment offsets, MemorySegment data) {
            boolean wide = sized.offsetWidth() == 8;
            long pos = 0;
            int bits = 0;
            for (long i = 0; i < length; i++) {
                putOffset(offsets, wide, i, pos);
                String s = values.apply(i);
                if (s != null) {
                    pos += putUtf8(data, pos, s);
                    bits |= 1 << (i & 7);
                }
                if ((i & 7) == 7 || i == length - 1) {
                    if (validity != null) {
                        validity.set(ValueLayout.JAVA_BYTE, i >>> 3, (byte) bits);
                    }
                    bits = 0;
                }
            }
            if (wide) {
                offsets.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, length, pos);
            } else {
                offsets.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, length, (int) pos);
            }
            if (pos != dataBytes) {
                throw new IllegalStateException("string source changed between passes: column=" + field.name()
                        + ", measured=" + dataBytes + ", written=" + pos);
            }
        }

        @Override
        protected void writeValues(MemorySegment offsets, MemorySegment values) {
            throw new AssertionError("unused");
        }
    }

    /** Dictionary-encoded strings with int32 indices. */
    private static final class Categories extends ColumnSource {
        private final List<String> categories;
        private final java.util.function.LongToIntFunction codes;
        private final ColumnSource dictionary;

        Categories(ArrowField field, long length, List<String> categories, java.util.function.LongToIntFunction codes) {
            super(field, length, i -> codes.applyAsInt(i) < 0);
            this.categories = List.copyOf(categories);
            this.codes = codes;
            this.dictionary = ofStrings(ArrowField.of(field.name(), ColumnType.STRING), this.categories.size(),
                    i -> this.categories.get((int) i));
        }

        @Override
        public ColumnSource dictionary() {
            return dictionary;
        }

        @Override
        public void measure() {
            super.measure();
            dictionary.measure();
            for (long i = 0; i < length; i++) {
                int c = codes.applyAsInt(i);
                if (c >= categories.size()) {
                    throw new IllegalArgumentException("category code out of range: column=" + field.name() + ", row="
                            + i + ", code=" + c + ", categories=" + categories.size());
                }
            }
        }

        @Override
        public ArrowField field() {
            return field.withOffsetWidth(dictionary.field().offsetWidth());
        }

        @Override
        public long valuesBytes() {
            return length * 4;
        }

        @Override
        protected void writeValues(MemorySegment offsets, MemorySegment dst) {
            for (long i = 0; i < length; i++) {
                int c = codes.applyAsInt(i);
                dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, Math.max(c, 0));
            }
        }
    }

    /** Decodes UTF-8 bytes of a string slice. */
    public static String decodeUtf8(MemorySegment bytes) {
        return new String(bytes.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }
}
