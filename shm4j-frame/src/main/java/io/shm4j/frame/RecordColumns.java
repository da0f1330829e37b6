package io.shm4j.frame;

import io.shm4j.array.DType;
import io.shm4j.array.RecordType;
import io.shm4j.array.SharedArray;
import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.ArrowFileLayout;
import io.shm4j.frame.internal.ColumnSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
 * <p>Arrays hold little-endian data only ({@code put} converts big-endian files). Invalid UTF-32 code points become U+FFFD. Stateless; the sources read the array while the
 * frame is built, so it must stay open until then.
 */
final class RecordColumns {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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
        if (f.bigEndian()) { // arrays never hold big-endian data: put converts it, open refuses it
            throw new IllegalArgumentException("big-endian record field: field=" + f.name() + "; put the file first");
        }
        long n = records.size();
        MemorySegment data = records.data();
        long base = (n == 0 ? 0 : records.byteOffset(0)) + f.offset();
        long stride = records.strides()[0];
        if (f.dtype() == null) {
            return f.text() == 'S' ? new Text(ArrowField.binary(column, 4), n, data, base, stride, f.length(), false)
                    : new Text(ArrowField.of(column, ColumnType.STRING), n, data, base, stride, f.length(), true);
        }
        DType t = f.dtype();
        return switch (t.kind()) {
            case INTEGER, FLOAT -> new Gather(ArrowField.of(column, ColumnType.valueOf(t.name())), n, data, base, stride,
                    Mode.COPY, f);
            case BOOL -> new Gather(ArrowField.of(column, ColumnType.BOOL), n, data, base, stride, Mode.BOOL, f);
            case DATETIME -> t == DType.DATETIME64_D
                    ? new Gather(date32(column), n, data, base, stride, Mode.DAYS, f)
                    : new Gather(ArrowField.timestamp(column, unit(t), null), n, data, base, stride, Mode.NAT, f);
            case TIMEDELTA -> t == DType.TIMEDELTA64_D
                    ? new Gather(duration(column, TimeUnit.SECONDS), n, data, base, stride, Mode.DAYS_AS_SECONDS, f)
                    : new Gather(duration(column, unit(t)), n, data, base, stride, Mode.NAT, f);
            case COMPLEX, RECORD -> throw new UnsupportedArrowTypeException("record field has no Arrow column type: field="
                    + f.name() + ", dtype=" + f.typeName() + "; Arrow has no complex numbers: store the real and"
                    + " imaginary parts as two float fields, or leave the field out (FrameBuilder.addRecords(records,"
                    + " fields...))");
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

    /** How a fixed-width field's values are gathered. */
    private enum Mode {
        /** The bytes as they are (numbers). */
        COPY,
        /** One byte, non-zero = true, to a bitmap. */
        BOOL,
        /** int64 with NaT = null (timestamps, durations). */
        NAT,
        /** int64 days to int32 (date32), NaT = null, range checked. */
        DAYS,
        /** int64 days to int64 seconds (duration[s]), NaT = null, range checked. */
        DAYS_AS_SECONDS
    }

    /** A fixed-width field gathered from every record, in tight loops per mode and width. */
    private static final class Gather extends ColumnSource {
        private final MemorySegment data;
        private final long base;
        private final long stride;
        private final Mode mode;
        private final RecordType.Field recordField;

        Gather(ArrowField field, long length, MemorySegment data, long base, long stride, Mode mode,
                RecordType.Field recordField) {
            super(field, length, null);
            this.data = data;
            this.base = base;
            this.stride = stride;
            this.mode = mode;
            this.recordField = recordField;
        }

        @Override
        public void measure() {
            long nulls = 0;
            if (mode != Mode.COPY && mode != Mode.BOOL) {
                long min = mode == Mode.DAYS ? Integer.MIN_VALUE : mode == Mode.DAYS_AS_SECONDS ? Long.MIN_VALUE / 86_400
                        : Long.MIN_VALUE;
                long max = mode == Mode.DAYS ? Integer.MAX_VALUE : mode == Mode.DAYS_AS_SECONDS ? Long.MAX_VALUE / 86_400
                        : Long.MAX_VALUE;
                for (long i = 0, at = base; i < length; i++, at += stride) {
                    long v = data.get(I64, at);
                    if (v == Long.MIN_VALUE) {
                        nulls++;
                    } else if (v < min || v > max) {
                        throw new UnsupportedArrowTypeException("record field value outside the range of "
                                + field.describeType() + ": field=" + recordField.name() + ", dtype="
                                + recordField.typeName() + ", row=" + i + ", value=" + v
                                + "; leave the field out, or convert it to another unit first");
                    }
                }
            }
            nullCount = nulls;
        }

        @Override
        public long valuesBytes() {
            return mode == Mode.BOOL ? ArrowFileLayout.bitmapBytes(length) : length * field.valueWidth();
        }

        @Override
        public void write(MemorySegment validity, MemorySegment offsets, MemorySegment dst) {
            switch (mode) {
                case COPY -> copy(dst);
                case BOOL -> {
                    long i = 0;
                    for (long k = 0; i < length; k++) {
                        int b = 0;
                        for (int bit = 0; bit < 8 && i < length; bit++, i++) {
                            b |= (data.get(ValueLayout.JAVA_BYTE, base + i * stride) != 0 ? 1 : 0) << bit;
                        }
                        dst.set(ValueLayout.JAVA_BYTE, k, (byte) b);
                    }
                }
                default -> {
                    int bits = 0;
                    for (long i = 0, at = base; i < length; i++, at += stride) {
                        long v = data.get(I64, at);
                        boolean valid = v != Long.MIN_VALUE;
                        switch (mode) {
                            case DAYS -> dst.set(I32, 4 * i, valid ? (int) v : 0);
                            case DAYS_AS_SECONDS -> dst.set(I64, 8 * i, valid ? v * 86_400 : 0);
                            default -> dst.set(I64, 8 * i, v);
                        }
                        bits |= (valid ? 1 : 0) << (i & 7);
                        if ((i & 7) == 7 || i == length - 1) {
                            if (validity != null) {
                                validity.set(ValueLayout.JAVA_BYTE, i >>> 3, (byte) bits);
                            }
                            bits = 0;
                        }
                    }
                }
            }
        }

        private void copy(MemorySegment dst) {
            switch (field.valueWidth()) {
                case 8 -> {
                    for (long i = 0, at = base; i < length; i++, at += stride) {
                        dst.set(I64, 8 * i, data.get(I64, at));
                    }
                }
                case 4 -> {
                    for (long i = 0, at = base; i < length; i++, at += stride) {
                        dst.set(I32, 4 * i, data.get(I32, at));
                    }
                }
                case 2 -> {
                    for (long i = 0, at = base; i < length; i++, at += stride) {
                        dst.set(I16, 2 * i, data.get(I16, at));
                    }
                }
                default -> {
                    for (long i = 0, at = base; i < length; i++, at += stride) {
                        dst.set(ValueLayout.JAVA_BYTE, i, data.get(ValueLayout.JAVA_BYTE, at));
                    }
                }
            }
        }

        @Override
        protected void writeValues(MemorySegment offsets, MemorySegment values) {
            throw new AssertionError("unused");
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
        private ArrowField sized;
        private long dataBytes;

        Text(ArrowField field, long length, MemorySegment data, long base, long stride, int chars, boolean utf32) {
            super(field, length, null);
            this.data = data;
            this.base = base;
            this.stride = stride;
            this.chars = chars;
            this.utf32 = utf32;
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
                while (k > 0 && data.get(I32, at + 4L * (k - 1)) == 0) {
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
                        bytes += utf8Width(data.get(I32, at + 4L * c));
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
                ColumnSource.putOffset(offsets, wide, i, pos);
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
                    pos = putCodePoint(dst, pos, data.get(I32, at + 4L * c));
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
