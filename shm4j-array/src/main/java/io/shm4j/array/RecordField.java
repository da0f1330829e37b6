package io.shm4j.array;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;

/**
 * One field of a record array ({@link SharedArray#field(String)}): a strided view that reads the
 * field of every record in place, as NumPy's {@code rec['price']} does. Indices are the record
 * array's (one per dimension). Records are packed by default ({@code np.rec.fromarrays}), so
 * fields may sit at any byte offset: the view reads them unaligned, with plain (unordered) access.
 *
 * <p>Values: numbers through {@link #getAsDouble} / {@link #getAsLong} (as
 * {@link SharedArray#getAsDouble}), complex parts through {@link #real} / {@link #imag}, text
 * ({@code S<n>} bytes as ISO-8859-1, {@code U<n>} UTF-32) through {@link #getString}, any field
 * through {@link #get} (a boxed Java value) and {@link #format} (the text NumPy prints).
 *
 * <p><b>Threading:</b> any number of threads. <b>Ownership:</b> none; valid while the array is
 * open (after it, access throws {@link IllegalStateException}, never a crash).
 */
public final class RecordField {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final SharedArray array;
    private final RecordType.Field field;
    private final DType dtype;

    RecordField(SharedArray array, RecordType.Field field) {
        this.array = array;
        this.field = field;
        this.dtype = field.dtype();
    }

    /** The field's name. */
    public String name() {
        return field.name();
    }

    /** The field's type and offset. */
    public RecordType.Field field() {
        return field;
    }

    /** The element type, or {@code null} for a text field. */
    public DType dtype() {
        return dtype;
    }

    /** The record array this field belongs to. */
    public SharedArray array() {
        return array;
    }

    /** Number of records (the array's size). */
    public long size() {
        return array.size();
    }

    private long at(long[] index) {
        return array.byteOffset(index) + field.offset();
    }

    private DTypeMismatchException mismatch(String accessor) {
        return new DTypeMismatchException("record field type mismatch: field=" + field.name() + ", type="
                + field.typeName() + ", accessor=" + accessor + "; use "
                + (dtype == null ? "getString" : dtype.kind() == DType.Kind.COMPLEX ? "real/imag" : "getAsDouble/getAsLong")
                + ", get or format");
    }

    /** A real-number field's value as double (unsigned exactly, bool 0/1, datetime64/timedelta64 their count). */
    public double getAsDouble(long... index) {
        if (dtype == null || dtype.kind() == DType.Kind.COMPLEX) {
            throw mismatch("getAsDouble");
        }
        return readDouble(array.data, at(index));
    }

    /** An integer, bool, datetime64 or timedelta64 field's value widened to long (uint64 as its bits). */
    public long getAsLong(long... index) {
        if (dtype == null || dtype.kind() == DType.Kind.COMPLEX || dtype.kind() == DType.Kind.FLOAT) {
            throw mismatch("getAsLong");
        }
        return readLong(array.data, at(index));
    }

    /** The real part of a complex field. */
    public double real(long... index) {
        return part(index, 0);
    }

    /** The imaginary part of a complex field. */
    public double imag(long... index) {
        return part(index, 1);
    }

    private double part(long[] index, int k) {
        if (dtype == null || dtype.kind() != DType.Kind.COMPLEX) {
            throw mismatch(k == 0 ? "real" : "imag");
        }
        long off = at(index);
        return dtype == DType.COMPLEX64 ? array.data.get(F32, off + 4L * k) : array.data.get(F64, off + 8L * k);
    }

    /** A text field's value with its trailing NULs removed, as NumPy returns it. */
    public String getString(long... index) {
        if (dtype != null) {
            throw mismatch("getString");
        }
        return text(array.data, at(index), field.text(), field.length());
    }

    /**
     * The value as a Java object: {@code Double} (floats), {@code Long} (integers; uint64 above
     * 2^63-1 a {@code BigInteger}), {@code Boolean}, {@code String} (text), {@code Instant}
     * (datetime64, {@code LocalDate} for unit D), {@code Duration} (timedelta64; NaT is null),
     * {@code double[]{real, imag}} (complex).
     */
    public Object get(long... index) {
        long off = at(index);
        if (dtype == null) {
            return text(array.data, off, field.text(), field.length());
        }
        return switch (dtype.kind()) {
            case FLOAT -> readDouble(array.data, off);
            case BOOL -> array.data.get(ValueLayout.JAVA_BYTE, off) != 0;
            case INTEGER -> {
                long v = readLong(array.data, off);
                yield dtype == DType.UINT64 && v < 0 ? new BigInteger(Long.toUnsignedString(v)) : (Object) v;
            }
            case DATETIME -> {
                long v = array.data.get(I64, off);
                yield v == Long.MIN_VALUE ? null : dtype.timeUnit() == ChronoUnit.DAYS ? LocalDate.ofEpochDay(v)
                        : Instant.EPOCH.plus(v, dtype.timeUnit());
            }
            case TIMEDELTA -> {
                long v = array.data.get(I64, off);
                yield v == Long.MIN_VALUE ? null : Duration.of(v, dtype.timeUnit());
            }
            case COMPLEX -> new double[] {part(index, 0), part(index, 1)};
            case RECORD -> throw new IllegalStateException("nested record");
        };
    }

    /** The value as NumPy prints an element of this type ({@code str()}): {@code 2.5}, {@code 2024-01-31T00:00:00}, {@code (1+2j)}. */
    public String format(long... index) {
        long off = at(index);
        if (dtype == null) {
            return text(array.data, off, field.text(), field.length());
        }
        return switch (dtype.kind()) {
            case COMPLEX -> NumpyText.complex(part(index, 0), part(index, 1), dtype == DType.COMPLEX64);
            case FLOAT -> dtype == DType.FLOAT64 ? NumpyText.float64(readDouble(array.data, off))
                    : dtype == DType.FLOAT16 ? NumpyText.float16(array.data.get(I16, off))
                    : NumpyText.float32((float) readDouble(array.data, off));
            case BOOL -> array.data.get(ValueLayout.JAVA_BYTE, off) != 0 ? "True" : "False";
            case INTEGER -> dtype == DType.UINT64 ? Long.toUnsignedString(readLong(array.data, off))
                    : Long.toString(readLong(array.data, off));
            case DATETIME, TIMEDELTA -> NumpyText.time(dtype, array.data.get(I64, off));
            case RECORD -> throw new IllegalStateException("nested record");
        };
    }

    private double readDouble(MemorySegment s, long off) {
        return switch (dtype) {
            case FLOAT64 -> s.get(F64, off);
            case FLOAT32 -> s.get(F32, off);
            case FLOAT16 -> Float.float16ToFloat(s.get(I16, off));
            case UINT64 -> io.shm4j.array.internal.Kernels.unsignedToDouble(s.get(I64, off));
            default -> readLong(s, off);
        };
    }

    private long readLong(MemorySegment s, long off) {
        return switch (dtype.itemSize()) {
            case 8 -> s.get(I64, off);
            case 4 -> dtype.isUnsigned() ? Integer.toUnsignedLong(s.get(I32, off)) : s.get(I32, off);
            case 2 -> dtype == DType.FLOAT16 ? (long) Float.float16ToFloat(s.get(I16, off))
                    : dtype.isUnsigned() ? Short.toUnsignedInt(s.get(I16, off)) : s.get(I16, off);
            default -> {
                byte b = s.get(ValueLayout.JAVA_BYTE, off);
                yield dtype == DType.BOOL ? (b != 0 ? 1 : 0) : dtype.isUnsigned() ? Byte.toUnsignedInt(b) : b;
            }
        };
    }

    /** Text of an {@code S<n>} (bytes, ISO-8859-1) or {@code U<n>} (UTF-32LE) value, trailing NULs removed. */
    static String text(MemorySegment s, long off, char kind, int length) {
        if (kind == 'S') {
            int n = length;
            while (n > 0 && s.get(ValueLayout.JAVA_BYTE, off + n - 1) == 0) {
                n--;
            }
            byte[] b = new byte[n];
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, off, b, 0, n);
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        int n = length;
        while (n > 0 && s.get(I32, off + 4L * (n - 1)) == 0) {
            n--;
        }
        StringBuilder sb = new StringBuilder(n);
        for (int k = 0; k < n; k++) {
            int cp = s.get(I32, off + 4L * k);
            if (Character.isValidCodePoint(cp)) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\uFFFD');
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "RecordField[" + field.name() + ": " + field.typeName() + ", offset=" + field.offset() + "]";
    }
}
