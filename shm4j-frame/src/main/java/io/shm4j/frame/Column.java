package io.shm4j.frame;

import io.shm4j.Settings;
import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.util.Arrays;

/**
 * A zero-copy view of one column of a frame: the Arrow buffers, read in place. A column may span
 * several record batches (chunks); row numbers are global. Typed subclasses give primitive
 * access; {@link #getObject} gives boxed values for generic code.
 *
 * <p><b>Nulls:</b> {@link #isNull} tells; primitive getters return whatever is stored in a null
 * slot (often 0), so check first when {@link #nullCount()} is not 0.
 *
 * <p><b>Threading:</b> immutable, safe to read from many threads; give each worker its own
 * {@link #slice row range}. <b>Ownership:</b> none; the view is valid while the
 * {@link SharedFrame} it came from is open. After it is closed, access throws
 * {@link IllegalStateException} (never a crash).
 *
 * <p><b>Bounds:</b> row numbers are checked unless {@link Settings#boundsChecks()} is off; the
 * memory itself is always bounds-checked by {@link java.lang.foreign.MemorySegment}.
 */
public abstract sealed class Column permits DoubleColumn, LongColumn, IntColumn, BoolColumn, TimestampColumn,
        StringColumn, DateColumn, TimeColumn, DurationColumn, DecimalColumn, BinaryColumn, ListColumn, StructColumn {
    final ArrowField field;
    final Chunk[] chunks;
    final long[] starts;
    final long length;
    final boolean checks = Settings.boundsChecks();

    Column(ArrowField field, Chunk[] chunks) {
        this.field = field;
        this.chunks = chunks;
        this.starts = new long[chunks.length + 1];
        for (int k = 0; k < chunks.length; k++) {
            starts[k + 1] = starts[k] + chunks[k].length();
        }
        this.length = starts[chunks.length];
    }

    /** Makes the typed view that fits the field. */
    static Column of(ArrowField field, Chunk[] chunks) {
        return switch (field.type()) {
            case FLOAT64, FLOAT32, FLOAT16 -> new DoubleColumn(field, chunks);
            case INT64, INT32, INT16, INT8, UINT64, UINT32, UINT16, UINT8 -> new LongColumn(field, chunks);
            case BOOL -> new BoolColumn(field, chunks);
            case TIMESTAMP -> new TimestampColumn(field, chunks);
            case STRING, CATEGORY -> new StringColumn(field, chunks);
            case DATE -> new DateColumn(field, chunks);
            case TIME -> new TimeColumn(field, chunks);
            case DURATION -> new DurationColumn(field, chunks);
            case DECIMAL -> new DecimalColumn(field, chunks);
            case BINARY -> new BinaryColumn(field, chunks);
            case LIST -> new ListColumn(field, chunks);
            case STRUCT -> new StructColumn(field, chunks);
        };
    }

    /** The same data under a new view class and name. */
    abstract Column with(ArrowField newField, Chunk[] newChunks);

    /** The column name (the Arrow field name). */
    public String name() {
        return field.name();
    }

    /** Whether the schema allows nulls in this column (the Arrow field's nullable flag). */
    public boolean nullable() {
        return field.nullable();
    }

    /** The column type. */
    public ColumnType type() {
        return field.type();
    }

    /** The Arrow type as pyarrow prints it, for example {@code timestamp[ns, tz=UTC]}. */
    public String arrowType() {
        return field.describeType();
    }

    /** Number of rows. */
    public long length() {
        return length;
    }

    /** Number of record batches this column spans. */
    public int chunkCount() {
        return chunks.length;
    }

    /** Whether {@code row} is null. */
    public boolean isNull(long row) {
        int k = chunkOf(row);
        return chunks[k].isNull(row - starts[k]);
    }

    /** Number of nulls (counted once for slices). */
    public long nullCount() {
        long n = 0;
        for (Chunk c : chunks) {
            n += c.countNulls();
        }
        return n;
    }

    /** The value at {@code row}, boxed ({@code null} for nulls). */
    public abstract Object getObject(long row);

    /** The value at {@code row} as text, as CSV export and {@code head()} show it; null → "". */
    public String format(long row) {
        Object o = getObject(row);
        return o == null ? "" : o.toString();
    }

    /** Rows {@code [from, to)} as a view of the same type, without copying. */
    public Column slice(long from, long to) {
        if (from < 0 || to < from || to > length) {
            throw new io.shm4j.OutOfBoundsException("slice out of range: from=" + from + ", to=" + to + ", rows=" + length);
        }
        java.util.List<Chunk> out = new java.util.ArrayList<>();
        for (int k = 0; k < chunks.length; k++) {
            long s = Math.max(from, starts[k]);
            long e = Math.min(to, starts[k + 1]);
            if (s < e) {
                out.add(chunks[k].slice(s - starts[k], e - starts[k]));
            }
        }
        return with(field, out.toArray(Chunk[]::new));
    }

    /** The chunk holding {@code row} (after checking it). */
    final int chunkOf(long row) {
        if (checks && (row < 0 || row >= length)) {
            throw new io.shm4j.OutOfBoundsException("row out of range: row=" + row + ", rows=" + length + ", column="
                    + field.name());
        }
        if (chunks.length == 1) {
            return 0;
        }
        int k = Arrays.binarySearch(starts, row);
        if (k >= 0) {
            while (k < chunks.length && chunks[k].length() == 0) {
                k++;
            }
            return k;
        }
        return -k - 2;
    }

    /** The integer at chunk-relative element {@code j}, widened (signed or unsigned per type). */
    static long readInteger(Chunk c, long j, ColumnType type) {
        long e = c.offset() + j;
        var v = c.values();
        return switch (type) {
            case INT64, UINT64, TIMESTAMP, DURATION -> v.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, e);
            case INT32 -> v.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, e);
            case UINT32 -> Integer.toUnsignedLong(v.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, e));
            case INT16 -> v.getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, e);
            case UINT16 -> Short.toUnsignedInt(v.getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, e));
            case INT8 -> v.get(java.lang.foreign.ValueLayout.JAVA_BYTE, e);
            case UINT8 -> Byte.toUnsignedInt(v.get(java.lang.foreign.ValueLayout.JAVA_BYTE, e));
            default -> throw new IllegalStateException("not an integer type: " + type);
        };
    }

    /**
     * Where the value of chunk-relative element {@code j} of {@code c} sits: for dictionary-encoded
     * columns the dictionary code (checked), else {@code j} itself (relative to the chunk window).
     * Returns the element index into {@link #valueChunk}'s buffers.
     */
    final long valueIndex(Chunk c, long j, long row) {
        if (c.dictionary() == null) {
            return c.offset() + j;
        }
        long code = readInteger(c, j, field.indexType());
        Chunk d = c.dictionary();
        if (code < 0 || code >= d.length()) {
            throw new FrameFormatException("dictionary code out of range: column=" + name() + ", row=" + row
                    + ", code=" + code + ", dictionarySize=" + d.length());
        }
        return d.offset() + code;
    }

    /** The chunk whose buffers hold the values of {@code c}: its dictionary, or itself. */
    static Chunk valueChunk(Chunk c) {
        return c.dictionary() == null ? c : c.dictionary();
    }

    ColumnTypeException wrongType(String view, String needs) {
        return new ColumnTypeException("column has another type: column=" + name() + ", type=" + arrowType()
                + ", view=" + view + " (needs " + needs + "); use " + suggestedView());
    }

    String suggestedView() {
        return switch (field.type()) {
            case FLOAT64, FLOAT32, FLOAT16 -> "doubles()";
            case INT64, UINT64, UINT32 -> "longs()";
            case INT32, INT16, INT8, UINT16, UINT8 -> field.isDictionary() ? "longs()" : "ints() or longs()";
            case BOOL -> "bools()";
            case TIMESTAMP -> "timestamps()";
            case STRING, CATEGORY -> "strings()";
            case DATE -> "dates()";
            case TIME -> "times()";
            case DURATION -> "durations()";
            case DECIMAL -> "decimals()";
            case BINARY -> "binaries()";
            case LIST -> "lists()";
            case STRUCT -> "structs()";
        };
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[name=" + name() + ", type=" + arrowType() + ", rows=" + length + "]";
    }
}
