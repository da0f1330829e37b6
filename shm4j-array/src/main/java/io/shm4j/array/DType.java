package io.shm4j.array;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The element types a {@link SharedArray} holds, with their NumPy descriptors (the
 * {@code descr} field of a {@code .npy} header). Data is always little-endian.
 *
 * <p>Java has no unsigned types: {@code uint8/16/32/64} elements are read and written through
 * the signed Java type of the same width (as {@link Integer#toUnsignedLong} expects), and
 * {@code datetime64[unit]} / {@code timedelta64[unit]} elements as {@code long} counts of their
 * {@link #timeUnit() unit} (NaT is {@link Long#MIN_VALUE}). The {@code getAs…} accessors and
 * the reductions interpret them correctly. Big-endian files are converted by {@code put}
 * ({@link SharedArray#copyOf(io.shm4j.segment.ShmOptions, java.nio.file.Path)}), never read in place.
 */
public enum DType {
    /** IEEE 754 binary64, {@code '<f8'}. */
    FLOAT64("float64", "<f8", 8, Kind.FLOAT, false),
    /** IEEE 754 binary32, {@code '<f4'}. */
    FLOAT32("float32", "<f4", 4, Kind.FLOAT, false),
    /** Signed 64-bit integer, {@code '<i8'}. */
    INT64("int64", "<i8", 8, Kind.INTEGER, false),
    /** Signed 32-bit integer, {@code '<i4'}. */
    INT32("int32", "<i4", 4, Kind.INTEGER, false),
    /** Signed 16-bit integer, {@code '<i2'}. */
    INT16("int16", "<i2", 2, Kind.INTEGER, false),
    /** Signed 8-bit integer, {@code '|i1'}. */
    INT8("int8", "|i1", 1, Kind.INTEGER, false),
    /** Unsigned 64-bit integer, {@code '<u8'}. */
    UINT64("uint64", "<u8", 8, Kind.INTEGER, true),
    /** Unsigned 32-bit integer, {@code '<u4'}. */
    UINT32("uint32", "<u4", 4, Kind.INTEGER, true),
    /** Unsigned 16-bit integer, {@code '<u2'}. */
    UINT16("uint16", "<u2", 2, Kind.INTEGER, true),
    /** Unsigned 8-bit integer, {@code '|u1'}. */
    UINT8("uint8", "|u1", 1, Kind.INTEGER, true),
    /** Boolean, one byte 0 or 1, {@code '|b1'}. */
    BOOL("bool", "|b1", 1, Kind.BOOL, false),
    /** Nanoseconds since 1970-01-01T00:00Z as a signed 64-bit integer, {@code '<M8[ns]'}. */
    DATETIME64_NS("datetime64[ns]", "<M8[ns]", 8, Kind.DATETIME, false),
    /** Microseconds since the epoch, {@code '<M8[us]'} (pandas 3's default resolution). */
    DATETIME64_US("datetime64[us]", "<M8[us]", 8, Kind.DATETIME, false),
    /** Milliseconds since the epoch, {@code '<M8[ms]'}. */
    DATETIME64_MS("datetime64[ms]", "<M8[ms]", 8, Kind.DATETIME, false),
    /** Seconds since the epoch, {@code '<M8[s]'}. */
    DATETIME64_S("datetime64[s]", "<M8[s]", 8, Kind.DATETIME, false),
    /** Days since 1970-01-01, {@code '<M8[D]'}. */
    DATETIME64_D("datetime64[D]", "<M8[D]", 8, Kind.DATETIME, false),
    /** A signed count of nanoseconds, {@code '<m8[ns]'} (NaT is {@link Long#MIN_VALUE}). */
    TIMEDELTA64_NS("timedelta64[ns]", "<m8[ns]", 8, Kind.TIMEDELTA, false),
    /** A signed count of microseconds, {@code '<m8[us]'}. */
    TIMEDELTA64_US("timedelta64[us]", "<m8[us]", 8, Kind.TIMEDELTA, false),
    /** A signed count of milliseconds, {@code '<m8[ms]'}. */
    TIMEDELTA64_MS("timedelta64[ms]", "<m8[ms]", 8, Kind.TIMEDELTA, false),
    /** A signed count of seconds, {@code '<m8[s]'}. */
    TIMEDELTA64_S("timedelta64[s]", "<m8[s]", 8, Kind.TIMEDELTA, false),
    /** A signed count of days, {@code '<m8[D]'}. */
    TIMEDELTA64_D("timedelta64[D]", "<m8[D]", 8, Kind.TIMEDELTA, false),
    /**
     * IEEE 754 binary16, {@code '<f2'}: {@link SharedArray#shorts()} gives the bits (as Java's
     * {@link Float#float16ToFloat} takes them); {@code getAsDouble} and the reductions widen it.
     */
    FLOAT16("float16", "<f2", 2, Kind.FLOAT, false),
    /** Two float32, real then imaginary part, {@code '<c8'}: {@link SharedArray#complexes()}. */
    COMPLEX64("complex64", "<c8", 8, Kind.COMPLEX, false),
    /** Two float64, real then imaginary part, {@code '<c16'}: {@link SharedArray#complexes()}. */
    COMPLEX128("complex128", "<c16", 16, Kind.COMPLEX, false),
    /**
     * A record (NumPy structured dtype, {@code np.rec.fromarrays}): fixed-size records of named
     * fields, described by {@link SharedArray#recordType()} and read with
     * {@link SharedArray#field(String)}. Its item size is the record type's; {@link #itemSize()} is 0.
     */
    RECORD("record", "|V", 0, Kind.RECORD, false);

    /** What the bytes mean, for the accessors and reductions. */
    public enum Kind {
        /** IEEE floating point. */
        FLOAT,
        /** Two's complement or unsigned integer. */
        INTEGER,
        /** 0 or 1 in one byte. */
        BOOL,
        /** Signed 64-bit count of a time unit since the epoch. */
        DATETIME,
        /** Signed 64-bit count of a time unit (a duration). */
        TIMEDELTA,
        /** Real and imaginary parts. */
        COMPLEX,
        /** Named fields of other types. */
        RECORD
    }

    private final String numpyName;
    private final String descr;
    private final int itemSize;
    private final Kind kind;
    private final boolean unsigned;

    DType(String numpyName, String descr, int itemSize, Kind kind, boolean unsigned) {
        this.numpyName = numpyName;
        this.descr = descr;
        this.itemSize = itemSize;
        this.kind = kind;
        this.unsigned = unsigned;
    }

    /** NumPy's name, for example {@code float64} or {@code datetime64[ns]}. */
    public String numpyName() {
        return numpyName;
    }

    /** The {@code .npy} descriptor NumPy writes, for example {@code '<f8'} or {@code '|b1'}. */
    public String descr() {
        return descr;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** What the bytes mean. */
    public Kind kind() {
        return kind;
    }

    /** Whether an integer type is unsigned. */
    public boolean isUnsigned() {
        return unsigned;
    }

    /** Whether shm4j sums the elements (the real numbers and timedelta64; not datetime64, complex or records). */
    public boolean isSummable() {
        return kind != Kind.DATETIME && kind != Kind.COMPLEX && kind != Kind.RECORD;
    }

    /** The unit of a datetime64 or timedelta64 count, else {@code null}. */
    public java.time.temporal.ChronoUnit timeUnit() {
        if (kind != Kind.DATETIME && kind != Kind.TIMEDELTA) {
            return null;
        }
        return switch (descr.substring(descr.indexOf('[') + 1, descr.length() - 1)) {
            case "ns" -> java.time.temporal.ChronoUnit.NANOS;
            case "us" -> java.time.temporal.ChronoUnit.MICROS;
            case "ms" -> java.time.temporal.ChronoUnit.MILLIS;
            case "s" -> java.time.temporal.ChronoUnit.SECONDS;
            default -> java.time.temporal.ChronoUnit.DAYS;
        };
    }

    /** Whether the elements are 64-bit signed counts read as {@code long}: int64, uint64, datetime64, timedelta64. */
    boolean isLong64() {
        return this == INT64 || this == UINT64 || kind == Kind.DATETIME || kind == Kind.TIMEDELTA;
    }

    /**
     * The little-endian, naturally aligned layout of one element (of one part, for complex types);
     * records have none.
     */
    public ValueLayout layout() {
        return switch (itemSize) {
            case 8 -> kind == Kind.COMPLEX ? ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN)
                    : kind == Kind.FLOAT ? ValueLayout.JAVA_DOUBLE.withOrder(ByteOrder.LITTLE_ENDIAN)
                    : ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
            case 4 -> kind == Kind.FLOAT ? ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN)
                    : ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
            case 16, 2 -> kind == Kind.COMPLEX ? ValueLayout.JAVA_DOUBLE.withOrder(ByteOrder.LITTLE_ENDIAN)
                    : ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
            default -> ValueLayout.JAVA_BYTE;
        };
    }

    /**
     * The type a {@code .npy} descriptor names.
     *
     * @throws UnsupportedDTypeException for object, big-endian, structured and other types shm4j
     *     does not hold, naming the problem
     */
    public static DType ofDescr(String descr) {
        if (descr == null || descr.isEmpty()) {
            throw new UnsupportedDTypeException("empty dtype descriptor: descr=" + descr
                    + "; expected one of " + supported());
        }
        char order = descr.charAt(0);
        String body = (order == '<' || order == '>' || order == '|' || order == '=') ? descr.substring(1) : descr;
        if (body.equals("O") || body.startsWith("O")) {
            throw new UnsupportedDTypeException("object dtype is not supported: descr=" + descr
                    + "; object arrays hold Python pointers, not data. Convert to a numeric dtype first,"
                    + " for example a.astype('float64')");
        }
        DType t = ofBody(body);
        if (t != null) {
            if (order == '>' && t.itemSize > 1) {
                throw new UnsupportedDTypeException("big-endian data is not read in place: descr=" + descr
                        + "; shm4j put (SharedArray.copyOf(options, path)) converts it to little-endian,"
                        + " or save a.astype(a.dtype.newbyteorder('<'))");
            }
            return t;
        }
        throw new UnsupportedDTypeException("unsupported dtype: descr=" + descr + "; supported: "
                + supported());
    }

    /** The type whose descriptor without its byte-order character is {@code body} ({@code f8}, {@code M8[us]}), or null. */
    static DType ofBody(String body) {
        for (DType t : values()) {
            if (t != RECORD && t.descr.substring(1).equals(body)) {
                return t;
            }
        }
        return null;
    }

    /** The type named by NumPy's name ({@code float64}, {@code uint8}, {@code datetime64[ns]}, {@code bool}), case-insensitive. */
    public static DType ofNumpyName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (DType t : values()) {
            if (t != RECORD && (t.numpyName.equals(n) || t.name().toLowerCase(Locale.ROOT).equals(n))) {
                return t;
            }
        }
        throw new UnsupportedDTypeException("unknown dtype name: name=" + name + "; supported: " + supported());
    }

    private static String supported() {
        StringBuilder sb = new StringBuilder();
        for (DType t : values()) {
            if (t == RECORD) {
                sb.append(", records of these and fixed-width S/U strings");
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(t.numpyName).append(" '").append(t.descr).append('\'');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return numpyName;
    }
}
