package io.shm4j.frame.internal;

import io.shm4j.frame.ColumnType;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One column of an Arrow schema, as far as frames need it.
 *
 * @param name the field name
 * @param type the column type (for a dictionary of numbers: the value type)
 * @param nullable the Arrow nullable flag
 * @param unit the timestamp, time or duration unit (else null)
 * @param timeZone the timestamp time zone, or null for naive timestamps
 * @param offsetWidth 4 for utf8, binary and list, 8 for their large variants (for categories: of the
 *     dictionary values); 0 for Arrow's {@code null} type, read as a string column whose every
 *     value is null, and for fixed-width types
 * @param indexType the dictionary index type (dictionary-encoded columns only, else null)
 * @param dictionaryId the dictionary id (dictionary-encoded columns only, else -1)
 * @param ordered whether the dictionary is ordered (dictionary-encoded columns only)
 * @param extra what the newer types need (widths, decimal precision, views, children); {@link Extra#NONE}
 *     for the rest
 */
public record ArrowField(String name, ColumnType type, boolean nullable, TimeUnit unit,
        String timeZone, int offsetWidth, ColumnType indexType, long dictionaryId, boolean ordered, Extra extra) {

    /**
     * Parameters of the types read from foreign files.
     *
     * @param byteWidth bytes per value of date, time, decimal and fixed_size_binary (else 0)
     * @param precision decimal precision (else 0)
     * @param scale decimal scale (else 0)
     * @param view whether strings or binaries use the 16-byte view layout ({@code string_view})
     * @param children the child fields of list (one) and struct (any)
     */
    public record Extra(int byteWidth, int precision, int scale, boolean view, List<ArrowField> children) {
        /** No parameters. */
        public static final Extra NONE = new Extra(0, 0, 0, false, List.of());

        /** Copies the children list. */
        public Extra {
            children = List.copyOf(children);
        }
    }

    /** A field of the types the builder writes (no extra parameters). */
    public ArrowField(String name, ColumnType type, boolean nullable, TimeUnit unit,
            String timeZone, int offsetWidth, ColumnType indexType, long dictionaryId, boolean ordered) {
        this(name, type, nullable, unit, timeZone, offsetWidth, indexType, dictionaryId, ordered, Extra.NONE);
    }

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

    /** A variable-size binary field: {@code binary} (offset width 4) or {@code large_binary} (8). */
    public static ArrowField binary(String name, int offsetWidth) {
        return new ArrowField(name, ColumnType.BINARY, true, null, null, offsetWidth, null, -1, false);
    }

    /** Whether the values have an offsets buffer: utf8, large_utf8, binary and large_binary (not views). */
    public boolean hasOffsets() {
        return (type == ColumnType.STRING || type == ColumnType.BINARY) && offsetWidth > 0 && !extra.view();
    }

    /** A dictionary-encoded string field. */
    public static ArrowField category(String name, ColumnType indexType, long id, boolean ordered) {
        return new ArrowField(name, ColumnType.CATEGORY, true, null, null, 4, indexType, id, ordered);
    }

    /** The same field under another name. */
    public ArrowField withName(String newName) {
        return new ArrowField(newName, type, nullable, unit, timeZone, offsetWidth, indexType,
                dictionaryId, ordered, extra);
    }

    /** The same field with another string offset width. */
    public ArrowField withOffsetWidth(int width) {
        return new ArrowField(name, type, nullable, unit, timeZone, width, indexType, dictionaryId, ordered, extra);
    }

    /** The same field with another dictionary id. */
    public ArrowField withDictionaryId(long id) {
        return new ArrowField(name, type, nullable, unit, timeZone, offsetWidth, indexType, id, ordered, extra);
    }

    /** Whether the values are dictionary-encoded (string categories and dictionaries of numbers). */
    public boolean isDictionary() {
        return indexType != null;
    }

    /** The field the dictionary values are read with (dictionary-encoded fields only). */
    public ArrowField dictionaryValues() {
        if (type == ColumnType.CATEGORY) {
            return new ArrowField(name, ColumnType.STRING, true, null, null, offsetWidth, null, -1, false, extra);
        }
        return new ArrowField(name, type, true, unit, timeZone, offsetWidth, null, -1, false, extra);
    }

    /** Whether strings or binaries use the view layout. */
    public boolean isView() {
        return extra.view();
    }

    /** The child fields (list: one; struct: any; else none). */
    public List<ArrowField> children() {
        return extra.children();
    }

    /** Bytes per stored value: the value width, the index width for dictionaries, 0 for bits and variable data. */
    public int valueWidth() {
        if (indexType != null) {
            return indexType.byteWidth();
        }
        return switch (type) {
            case DATE, TIME, DECIMAL -> extra.byteWidth();
            case BINARY -> offsetWidth == 0 && !extra.view() ? extra.byteWidth() : 0;
            default -> type.byteWidth();
        };
    }

    /** Whether this is a fixed-size binary field. */
    public boolean isFixedSizeBinary() {
        return type == ColumnType.BINARY && offsetWidth == 0 && !extra.view();
    }

    /** Number of body buffers per record batch of the builder's types: validity + values (+ offsets for strings, binary). */
    public int bufferCount() {
        if (isNullType()) {
            return 0;
        }
        return hasOffsets() ? 3 : 2;
    }

    /** Whether this is Arrow's {@code null} type (no buffers; every value null), read as strings. */
    public boolean isNullType() {
        return type == ColumnType.STRING && offsetWidth == 0 && !extra.view();
    }

    /** The type as pyarrow prints it, for example {@code timestamp[ns, tz=UTC]}. */
    public String describeType() {
        if (indexType != null && type != ColumnType.CATEGORY) {
            return "dictionary<values=" + dictionaryValues().describeType() + ", indices=" + indexType.arrowName()
                    + ", ordered=" + (ordered ? 1 : 0) + ">";
        }
        return switch (type) {
            case TIMESTAMP -> "timestamp[" + unitName(unit) + (timeZone == null ? "" : ", tz=" + timeZone) + "]";
            case STRING -> extra.view() ? "string_view"
                    : offsetWidth == 8 ? "large_string" : offsetWidth == 0 ? "null" : "string";
            case CATEGORY -> "dictionary<values=" + dictionaryValues().describeType()
                    + ", indices=" + indexType.arrowName() + ", ordered=" + (ordered ? 1 : 0) + ">";
            case DATE -> extra.byteWidth() == 4 ? "date32[day]" : "date64[ms]";
            case TIME -> (extra.byteWidth() == 4 ? "time32[" : "time64[") + unitName(unit) + "]";
            case DURATION -> "duration[" + unitName(unit) + "]";
            case DECIMAL -> "decimal128(" + extra.precision() + ", " + extra.scale() + ")";
            case BINARY -> extra.view() ? "binary_view" : offsetWidth == 8 ? "large_binary"
                    : offsetWidth == 4 ? "binary" : "fixed_size_binary[" + extra.byteWidth() + "]";
            case LIST -> (offsetWidth == 8 ? "large_list<" : "list<") + children().get(0).name() + ": "
                    + children().get(0).describeType() + ">";
            case STRUCT -> {
                StringBuilder b = new StringBuilder("struct<");
                for (int i = 0; i < children().size(); i++) {
                    ArrowField c = children().get(i);
                    b.append(i == 0 ? "" : ", ").append(c.name()).append(": ").append(c.describeType());
                }
                yield b.append('>').toString();
            }
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
