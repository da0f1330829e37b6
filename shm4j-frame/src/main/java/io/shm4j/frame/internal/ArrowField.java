package io.shm4j.frame.internal;

import io.shm4j.frame.ColumnType;
import java.util.concurrent.TimeUnit;

/**
 * One column of an Arrow schema, as far as frames need it.
 *
 * @param name the field name
 * @param type the column type
 * @param nullable the Arrow nullable flag
 * @param unit the timestamp unit (timestamps only, else null)
 * @param timeZone the timestamp time zone, or null for naive timestamps
 * @param offsetWidth 4 for utf8, 8 for large_utf8 (strings; for categories: of the dictionary values);
 *     0 for Arrow's {@code null} type, read as a string column whose every value is null
 * @param indexType the dictionary index type (categories only, else null)
 * @param dictionaryId the dictionary id (categories only, else -1)
 * @param ordered whether the dictionary is ordered (categories only)
 */
public record ArrowField(String name, ColumnType type, boolean nullable, TimeUnit unit,
        String timeZone, int offsetWidth, ColumnType indexType, long dictionaryId, boolean ordered) {

    /** A fixed-width, bool or string field with defaults. */
    public static ArrowField of(String name, ColumnType type) {
        return switch (type) {
            case TIMESTAMP -> timestamp(name, TimeUnit.NANOSECONDS, null);
            case STRING -> new ArrowField(name, type, true, null, null, 4, null, -1, false);
            case CATEGORY -> category(name, ColumnType.INT32, 0, false);
            default -> new ArrowField(name, type, true, null, null, 0, null, -1, false);
        };
    }

    /** A timestamp field. */
    public static ArrowField timestamp(String name, TimeUnit unit, String timeZone) {
        return new ArrowField(name, ColumnType.TIMESTAMP, true, unit, timeZone, 0, null, -1, false);
    }

    /** A dictionary-encoded string field. */
    public static ArrowField category(String name, ColumnType indexType, long id, boolean ordered) {
        return new ArrowField(name, ColumnType.CATEGORY, true, null, null, 4, indexType, id, ordered);
    }

    /** The same field under another name. */
    public ArrowField withName(String newName) {
        return new ArrowField(newName, type, nullable, unit, timeZone, offsetWidth, indexType,
                dictionaryId, ordered);
    }

    /** The same field with another string offset width. */
    public ArrowField withOffsetWidth(int width) {
        return new ArrowField(name, type, nullable, unit, timeZone, width, indexType, dictionaryId, ordered);
    }

    /** The same field with another dictionary id. */
    public ArrowField withDictionaryId(long id) {
        return new ArrowField(name, type, nullable, unit, timeZone, offsetWidth, indexType, id, ordered);
    }

    /** Bytes per stored value: the value width, the index width for categories, 0 for bool and strings. */
    public int valueWidth() {
        return type == ColumnType.CATEGORY ? indexType.byteWidth() : type.byteWidth();
    }

    /** Number of body buffers per record batch: validity + values (+ offsets for strings). */
    public int bufferCount() {
        if (isNullType()) {
            return 0;
        }
        return type == ColumnType.STRING ? 3 : 2;
    }

    /** Whether this is Arrow's {@code null} type (no buffers; every value null), read as strings. */
    public boolean isNullType() {
        return type == ColumnType.STRING && offsetWidth == 0;
    }

    /** The type as pyarrow prints it, for example {@code timestamp[ns, tz=UTC]}. */
    public String describeType() {
        return switch (type) {
            case TIMESTAMP -> "timestamp[" + unitName(unit) + (timeZone == null ? "" : ", tz=" + timeZone) + "]";
            case STRING -> offsetWidth == 8 ? "large_string" : offsetWidth == 0 ? "null" : "string";
            case CATEGORY -> "dictionary<values=" + (offsetWidth == 8 ? "large_string" : offsetWidth == 0 ? "null" : "string")
                    + ", indices=" + indexType.arrowName() + ", ordered=" + (ordered ? 1 : 0) + ">";
            default -> type.arrowName();
        };
    }

    /** The short unit name: s, ms, us, ns. */
    public static String unitName(TimeUnit unit) {
        return switch (unit) {
            case SECONDS -> "s";
            case MILLISECONDS -> "ms";
            case MICROSECONDS -> "us";
            case NANOSECONDS -> "ns";
            default -> throw new IllegalArgumentException("not an Arrow time unit: " + unit);
        };
    }
}
