package io.shm4j.frame;

import io.shm4j.array.DType;
import io.shm4j.array.RecordType;
import io.shm4j.array.SharedArray;
import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.ColumnSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import java.util.function.LongUnaryOperator;

/**
 * The columns of a frame made from a NumPy record array ({@link SharedFrame#fromRecords},
 * {@link FrameBuilder#addRecords}): one column per field, as {@code pandas.DataFrame.from_records}
 * makes, each value read from its record (a strided gather) and written once, straight into the
 * new segment.
 *
 * <pre>
 * field dtype                         Arrow column              Java view
 * int8..64, uint8..64                 int8..64, uint8..64       LongColumn / IntColumn
 * float16/32/64                       halffloat/float/double    DoubleColumn (bits kept, NaN stays NaN)
 * bool                                bool                      BoolColumn
 * datetime64[ns|us|ms|s]              timestamp[unit]           TimestampColumn (NaT = null)
 * datetime64[D]                       date32[day]               DateColumn      (NaT = null)
 * timedelta64[ns|us|ms|s]             duration[unit]            DurationColumn  (NaT = null)
 * timedelta64[D]                      duration[s] (× 86400)     DurationColumn  (as pandas: m8[s])
 * S&lt;n&gt; (bytes)                      binary                    BinaryColumn    (trailing NULs stripped)
 * U&lt;n&gt; (UTF-32)                     utf8                      StringColumn    (trailing NULs stripped)
 * complex64/128                       refused: Arrow has no complex type
 * </pre>
 *
 * <p>Big-endian fields (a {@code .npy} file opened in place) are read in their byte order.
 * Invalid UTF-32 code points become U+FFFD. Stateless; the sources read the array while the
 * frame is built, so it must stay open until then.
 */
final class RecordColumns {
    private RecordColumns() {}

    /** The sources of the named fields (all fields when {@code names} is empty), in that order. */
    static List<ColumnSource> of(SharedArray records, List<String> names) {
        RecordType type = records.recordType();
        if (records.ndim() != 1) {
            throw new IllegalArgumentException("a frame is made from a 1-d record array: shape="
                    + java.util.Arrays.toString(records.shape()) + ", size=" + records.size()
                    + "; reshape it first (records.reshape(" + records.size() + "))");
        }
        List<RecordType.Field> fields = names.isEmpty() ? type.fields()
                : names.stream().map(type::field).toList();
        return fields.stream().map(f -> source(f.name(), records, f)).toList();
    }

    /** The source of one field under the column name {@code column}. */
    static ColumnSource source(String column, SharedArray records, RecordType.Field f) {
        long n = records.size();
        MemorySegment data = records.data();
        long base = (n == 0 ? 0 : records.byteOffset(0)) + f.offset();
        long stride = records.strides()[0];
        ByteOrder order = f.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        if (f.dtype() == null) {
            return f.text() == 'S' ? new Text(ArrowField.binary(column, 4), n, data, base, stride, f.length(), false, order)
                    : new Text(ArrowField.of(column, ColumnType.STRING), n, data, base, stride, f.length(), true, order);
        }
        DType t = f.dtype();
        LongUnaryOperator raw = raw(data, base, stride, t.itemSize(), order);
        LongPredicate nat = i -> raw.applyAsLong(i) == Long.MIN_VALUE;
        return switch (t.kind()) {
            case INTEGER, FLOAT -> ColumnSource.ofLongs(ArrowField.of(column, ColumnType.valueOf(t.name())), n, raw, null);
            case BOOL -> ColumnSource.ofBooleans(ArrowField.of(column, ColumnType.BOOL), n, i -> raw.applyAsLong(i) != 0,
                    null);
            case DATETIME -> t == DType.DATETIME64_D
                    ? new Checked(date32(column), n, raw, nat, f, t, Integer.MIN_VALUE, Integer.MAX_VALUE, 1)
                    : ColumnSource.ofLongs(ArrowField.timestamp(column, unit(t), null), n, raw, nat);
            case TIMEDELTA -> t == DType.TIMEDELTA64_D
                    ? new Checked(duration(column, TimeUnit.SECONDS), n, raw, nat, f, t, Long.MIN_VALUE / 86_400,
                            Long.MAX_VALUE / 86_400, 86_400)
                    : ColumnSource.ofLongs(duration(column, unit(t)), n, raw, nat);
            case COMPLEX, RECORD -> throw new UnsupportedArrowTypeException("record field has no Arrow column type: field="
                    + f.name() + ", dtype=" + f.typeName() + "; Arrow has no complex numbers: store the real and"
                    + " imaginary parts as two float fields, or leave the field out (FrameBuilder.addRecords(records,"
                    + " fields...))");
        };
    }

    /** The field's bits of one record as a long (low {@code width} bytes; the writer keeps those). */
    private static LongUnaryOperator raw(MemorySegment data, long base, long stride, int width, ByteOrder order) {
        return switch (width) {
            case 8 -> {
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
                yield i -> data.get(l, base + i * stride);
            }
            case 4 -> {
                ValueLayout.OfInt l = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
                yield i -> data.get(l, base + i * stride);
            }
            case 2 -> {
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                yield i -> data.get(l, base + i * stride);
            }
            default -> i -> data.get(ValueLayout.JAVA_BYTE, base + i * stride);
        };
    }

    private static TimeUnit unit(DType t) {
        return switch (t.timeUnit()) {
            case NANOS -> TimeUnit.NANOSECONDS;
            case MICROS -> TimeUnit.MICROSECONDS;
            case MILLIS -> TimeUnit.MILLISECONDS;
            default -> TimeUnit.SECONDS;
        };
    }

    private static ArrowField date32(String column) {
        return new ArrowField(column, ColumnType.DATE, true, null, null, 0, null, -1, false,
                new ArrowField.Extra(4, 0, 0, false, List.of()));
    }

    private static ArrowField duration(String column, TimeUnit unit) {
        return new ArrowField(column, ColumnType.DURATION, true, unit, null, 0, null, -1, false);
    }

    /** Day counts: checked against the target's range when measured, then scaled. */
    private static final class Checked extends ColumnSource {
        private final LongUnaryOperator raw;
        private final RecordType.Field recordField;
        private final DType dtype;
        private final long min;
        private final long max;
        private final long scale;

        Checked(ArrowField field, long length, LongUnaryOperator raw, LongPredicate isNull, RecordType.Field recordField,
                DType dtype, long min, long max, long scale) {
            super(field, length, isNull);
            this.raw = raw;
            this.recordField = recordField;
            this.dtype = dtype;
            this.min = min;
            this.max = max;
            this.scale = scale;
        }

        @Override
        public void measure() {
            long nulls = 0;
            for (long i = 0; i < length; i++) {
                long v = raw.applyAsLong(i);
                if (v == Long.MIN_VALUE) {
                    nulls++;
                } else if (v < min || v > max) {
                    throw new UnsupportedArrowTypeException("record field value outside the range of "
                            + field.describeType() + ": field=" + recordField.name() + ", dtype=" + dtype.numpyName()
                            + ", row=" + i + ", value=" + v + "; leave the field out, or convert it to another unit first");
                }
            }
            nullCount = nulls;
        }

        @Override
        public long valuesBytes() {
            return length * field.valueWidth();
        }

        @Override
        protected void writeValues(MemorySegment offsets, MemorySegment dst) {
            if (field.valueWidth() == 4) {
                for (long i = 0; i < length; i++) {
                    long v = raw.applyAsLong(i);
                    dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, v == Long.MIN_VALUE ? 0 : (int) (v * scale));
                }
            } else {
                for (long i = 0; i < length; i++) {
                    long v = raw.applyAsLong(i);
                    dst.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, v == Long.MIN_VALUE ? 0 : v * scale);
                }
            }
        }
    }

    /**
     * Fixed-width text, {@code S<n>} as binary (the bytes) or {@code U<n>} as utf8 (UTF-32 code
     * points encoded as UTF-8, invalid ones as U+FFFD), trailing NULs stripped as NumPy does.
     * Never null. Offsets become 64-bit (large_binary / large_utf8) above 2 GiB of data.
     */
    private static final class Text extends ColumnSource {
        private final MemorySegment data;
        private final long base;
        private final long stride;
        private final int chars;
        private final boolean utf32;
        private final ValueLayout.OfInt codePoint;
        private ArrowField sized;
        private long dataBytes;

        Text(ArrowField field, long length, MemorySegment data, long base, long stride, int chars, boolean utf32,
                ByteOrder order) {
            super(field, length, null);
            this.data = data;
            this.base = base;
            this.stride = stride;
            this.chars = chars;
            this.utf32 = utf32;
            this.codePoint = ValueLayout.JAVA_INT_UNALIGNED.withOrder(order);
            this.sized = field;
        }

        @Override
        public ArrowField field() {
            return sized;
        }

        /** Characters of record {@code i} without its trailing NULs. */
        private int count(long at) {
            int k = chars;
            if (utf32) {
                while (k > 0 && data.get(codePoint, at + 4L * (k - 1)) == 0) {
                    k--;
                }
            } else {
                while (k > 0 && data.get(ValueLayout.JAVA_BYTE, at + k - 1) == 0) {
                    k--;
                }
            }
            return k;
        }

        private static int utf8Width(int cp) {
            return cp < 0 ? 3 : cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : cp <= 0x10FFFF ? 4 : 3;
        }

        @Override
        public void measure() {
            long bytes = 0;
            for (long i = 0; i < length; i++) {
                long at = base + i * stride;
                int k = count(at);
                if (utf32) {
                    for (int c = 0; c < k; c++) {
                        bytes += utf8Width(data.get(codePoint, at + 4L * c));
                    }
                } else {
                    bytes += k;
                }
            }
            dataBytes = bytes;
            sized = field.withOffsetWidth(bytes > Integer.MAX_VALUE ? 8 : 4);
            nullCount = 0;
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
        public void write(MemorySegment validity, MemorySegment offsets, MemorySegment dst) {
            boolean wide = sized.offsetWidth() == 8;
            long pos = 0;
            for (long i = 0; i <= length; i++) {
                if (wide) {
                    offsets.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, pos);
                } else {
                    offsets.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) pos);
                }
                if (i == length) {
                    break;
                }
                long at = base + i * stride;
                int k = count(at);
                if (!utf32) {
                    MemorySegment.copy(data, at, dst, pos, k);
                    pos += k;
                    continue;
                }
                for (int c = 0; c < k; c++) {
                    pos = putCodePoint(dst, pos, data.get(codePoint, at + 4L * c));
                }
            }
            if (pos != dataBytes) {
                throw new IllegalStateException("record array changed while the frame was written: column="
                        + field.name() + ", measured=" + dataBytes + ", written=" + pos);
            }
        }

        private static long putCodePoint(MemorySegment dst, long p, int cp) {
            if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                cp = 0xFFFD;
            }
            if (cp < 0x80) {
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) cp);
            } else if (cp < 0x800) {
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0xC0 | (cp >> 6)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | (cp & 0x3F)));
            } else if (cp < 0x10000) {
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0xE0 | (cp >> 12)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | ((cp >> 6) & 0x3F)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | (cp & 0x3F)));
            } else {
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0xF0 | (cp >> 18)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | ((cp >> 12) & 0x3F)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | ((cp >> 6) & 0x3F)));
                dst.set(ValueLayout.JAVA_BYTE, p++, (byte) (0x80 | (cp & 0x3F)));
            }
            return p;
        }

        @Override
        protected void writeValues(MemorySegment offsets, MemorySegment values) {
            throw new AssertionError("unused");
        }
    }
}
