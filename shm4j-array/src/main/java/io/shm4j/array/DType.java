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
 * {@code datetime64[ns]} elements as {@code long} nanoseconds since the epoch (NaT is
 * {@link Long#MIN_VALUE}). The {@code getAs…} accessors and the reductions interpret them
 * correctly.
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
    DATETIME64_NS("datetime64[ns]", "<M8[ns]", 8, Kind.DATETIME, false);

    /** What the bytes mean, for the accessors and reductions. */
    public enum Kind {
        /** IEEE floating point. */
        FLOAT,
        /** Two's complement or unsigned integer. */
        INTEGER,
        /** 0 or 1 in one byte. */
        BOOL,
        /** Signed 64-bit count of a time unit. */
        DATETIME
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

    /** Whether the elements are numbers NumPy can sum (every type but datetime64). */
    public boolean isSummable() {
        return kind != Kind.DATETIME;
    }

    /** The little-endian, naturally aligned layout of one element. */
    public ValueLayout layout() {
        return switch (itemSize) {
            case 8 -> kind == Kind.FLOAT ? ValueLayout.JAVA_DOUBLE.withOrder(ByteOrder.LITTLE_ENDIAN)
                    : ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
            case 4 -> kind == Kind.FLOAT ? ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN)
                    : ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
            case 2 -> ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
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
        for (DType t : values()) {
            String tb = t.descr.substring(1);
            if (tb.equals(body)) {
                if (order == '>' && t.itemSize > 1) {
                    throw new UnsupportedDTypeException("big-endian data is not supported: descr=" + descr
                            + "; convert it with a.astype(a.dtype.newbyteorder('<')) before saving");
                }
                return t;
            }
        }
        throw new UnsupportedDTypeException("unsupported dtype: descr=" + descr + "; supported: "
                + supported());
    }

    /** The type named by NumPy's name ({@code float64}, {@code uint8}, {@code datetime64[ns]}, {@code bool}), case-insensitive. */
    public static DType ofNumpyName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (DType t : values()) {
            if (t.numpyName.equals(n) || t.name().toLowerCase(Locale.ROOT).equals(n)) {
                return t;
            }
        }
        throw new UnsupportedDTypeException("unknown dtype name: name=" + name + "; supported: " + supported());
    }

    private static String supported() {
        StringBuilder sb = new StringBuilder();
        for (DType t : values()) {
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
