package io.shm4j.frame;

/**
 * The column types a frame holds, with their Arrow and pandas names. Integer widths other than
 * 64 bits, float32 and the unsigned types are read from foreign files and written by the
 * builder as they are; pandas gets the matching NumPy dtype. The types after {@link #CATEGORY}
 * are read from foreign files (and kept by {@code put}) but not written by the builder.
 */
public enum ColumnType {
    /** Arrow {@code double}, pandas {@code float64}. */
    FLOAT64("double", "float64", "float64", 8),
    /** Arrow {@code float}, pandas {@code float32}. */
    FLOAT32("float", "float32", "float32", 4),
    /** Arrow {@code int64}. */
    INT64("int64", "int64", "int64", 8),
    /** Arrow {@code int32}. */
    INT32("int32", "int32", "int32", 4),
    /** Arrow {@code int16}. */
    INT16("int16", "int16", "int16", 2),
    /** Arrow {@code int8}. */
    INT8("int8", "int8", "int8", 1),
    /** Arrow {@code uint32} (read only; viewed as long). */
    UINT32("uint32", "uint32", "uint32", 4),
    /** Arrow {@code uint16} (viewed as int or long). */
    UINT16("uint16", "uint16", "uint16", 2),
    /** Arrow {@code uint8} (viewed as int or long). */
    UINT8("uint8", "uint8", "uint8", 1),
    /** Arrow {@code bool}: one bit per value, least significant bit first. */
    BOOL("bool", "bool", "bool", 0),
    /** Arrow {@code timestamp[unit, tz]}: int64 since the epoch (UTC), optional time zone. */
    TIMESTAMP("timestamp", "datetime", "datetime64[ns]", 8),
    /** Arrow {@code utf8} (or {@code large_utf8}): variable-length UTF-8 strings. */
    STRING("utf8", "unicode", "object", 0),
    /** Arrow {@code dictionary<values=utf8, indices=intN>}: pandas {@code category}. */
    CATEGORY("dictionary", "categorical", "int32", 0),
    /** Arrow {@code uint64} (read only; viewed as long, the bits as stored: see {@link LongColumn#get}). */
    UINT64("uint64", "uint64", "uint64", 8),
    /** Arrow {@code halffloat} (read only; viewed as double). */
    FLOAT16("halffloat", "float16", "float16", 2),
    /** Arrow {@code date32[day]} (int32 days) or {@code date64[ms]} (int64 ms) since 1970-01-01 (read only). */
    DATE("date", "date", "object", 0),
    /** Arrow {@code time32[s|ms]} or {@code time64[us|ns]}: time of day (read only). */
    TIME("time", "time", "object", 0),
    /** Arrow {@code duration[unit]}: int64 counts of a unit (read only). */
    DURATION("duration", "timedelta", "timedelta64[ns]", 8),
    /** Arrow {@code decimal128(precision, scale)}: 16-byte two's complement unscaled values (read only). */
    DECIMAL("decimal", "decimal", "object", 16),
    /**
     * Arrow {@code binary}, {@code large_binary}, {@code fixed_size_binary[n]} or
     * {@code binary_view}: byte strings (read only).
     */
    BINARY("binary", "bytes", "object", 0),
    /** Arrow {@code list} or {@code large_list} of a primitive type (read only). */
    LIST("list", "list", "object", 0),
    /** Arrow {@code struct} of supported fields (read only). */
    STRUCT("struct", "object", "object", 0);

    private final String arrowName;
    private final String pandasType;
    private final String numpyType;
    private final int byteWidth;

    ColumnType(String arrowName, String pandasType, String numpyType, int byteWidth) {
        this.arrowName = arrowName;
        this.pandasType = pandasType;
        this.numpyType = numpyType;
        this.byteWidth = byteWidth;
    }

    /** The Arrow type name (as pyarrow prints it, without parameters). */
    public String arrowName() {
        return arrowName;
    }

    /** The {@code pandas_type} written to the pandas metadata. */
    public String pandasType() {
        return pandasType;
    }

    /** The {@code numpy_type} written to the pandas metadata. */
    public String numpyType() {
        return numpyType;
    }

    /** Bytes per value for fixed-width types, 0 for bool, strings and categories. */
    public int byteWidth() {
        return byteWidth;
    }

    /** Whether values are integers (any width, signed or not). */
    public boolean isInteger() {
        return switch (this) {
            case INT64, INT32, INT16, INT8, UINT64, UINT32, UINT16, UINT8 -> true;
            default -> false;
        };
    }

    /** Whether values are floating point. */
    public boolean isFloatingPoint() {
        return this == FLOAT64 || this == FLOAT32 || this == FLOAT16;
    }
}
