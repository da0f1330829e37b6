package io.shm4j.frame.internal.csv;

/**
 * What a column's values are, as inferred; a lattice: {@link #NULL} (nothing seen) below all,
 * {@link #INT} below {@link #FLOAT}, {@link #DATE} below {@link #TS} below {@link #TSU},
 * {@link #STRING} above all. Any two that are not ordered join to {@link #STRING}.
 */
final class Kind {
    static final byte NULL = 0;
    static final byte BOOL = 1;
    static final byte INT = 2;
    static final byte FLOAT = 3;
    /** Dates without a time: days since the epoch (a column of them is {@code date32}). */
    static final byte DATE = 4;
    /** Timestamps in nanoseconds. */
    static final byte TS = 5;
    /** Timestamps in microseconds (some value is outside 1677–2262). */
    static final byte TSU = 6;
    static final byte STRING = 7;

    private Kind() {}

    static byte join(byte a, byte b) {
        if (a == b || b == NULL) {
            return a;
        }
        if (a == NULL) {
            return b;
        }
        byte lo = (byte) Math.min(a, b);
        byte hi = (byte) Math.max(a, b);
        if (lo == INT && hi == FLOAT) {
            return FLOAT;
        }
        if (lo >= DATE && hi <= TSU) {
            return hi;
        }
        return STRING;
    }

    static String name(byte k) {
        return switch (k) {
            case NULL -> "null";
            case BOOL -> "bool";
            case INT -> "int64";
            case FLOAT -> "float64";
            case DATE -> "date32";
            case TS -> "timestamp[ns]";
            case TSU -> "timestamp[us]";
            default -> "string";
        };
    }
}
