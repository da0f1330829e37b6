package io.shm4j.frame;

/**
 * The column types a frame holds, with their Arrow and pandas names. Integer widths other than
 * 64 bits, float32 and the unsigned types are read from foreign files and written by the
 * builder as they are; pandas gets the matching NumPy dtype.
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
    CATEGORY("dictionary", "categorical", "int32", 0);

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
            case INT64, INT32, INT16, INT8, UINT32, UINT16, UINT8 -> true;
            default -> false;
        };
    }

    /** Whether values are floating point. */
    public boolean isFloatingPoint() {
        return this == FLOAT64 || this == FLOAT32;
    }
}
