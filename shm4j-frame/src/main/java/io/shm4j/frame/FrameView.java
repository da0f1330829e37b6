package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.ArrowFile;
import io.shm4j.frame.internal.Chunk;
import io.shm4j.frame.internal.PandasMetadata;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A zero-copy view of a frame: data columns in pandas order, an {@link FrameIndex index}, a row
 * count. Column selections and row slices are views too; nothing is copied until you export.
 *
 * <p><b>Threading:</b> immutable; share it freely, and hand each worker a {@link #rowChunks row
 * chunk}. <b>Ownership:</b> none; valid while the {@link SharedFrame} it came from is open.
 */
public final class FrameView {
    private final List<Column> columns;
    private final FrameIndex index;
    private final long rows;
    /** The source file's pandas entries by field name (for copies; empty for built frames). */
    final Map<String, Map<?, ?>> pandasEntries;
    private final Map<String, Integer> byName = new HashMap<>();

    FrameView(List<Column> columns, FrameIndex index, long rows) {
        this(columns, index, rows, Map.of());
    }

    FrameView(List<Column> columns, FrameIndex index, long rows, Map<String, Map<?, ?>> pandasEntries) {
        this.pandasEntries = pandasEntries;
        this.columns = List.copyOf(columns);
        this.index = index;
        this.rows = rows;
        for (int i = columns.size() - 1; i >= 0; i--) {
            byName.put(columns.get(i).name(), i);
        }
    }

    /** Builds the view of a file read in place: index columns from the pandas metadata. */
    static FrameView of(ArrowFile file) {
        List<ArrowField> fields = file.fields();
        List<String> names = fields.stream().map(ArrowField::name).toList();
        PandasMetadata.Index idx = PandasMetadata.parseIndex(file.metadata().get(PandasMetadata.KEY), names);
        List<Column> data = new ArrayList<>();
        Map<String, Column> indexCols = new HashMap<>();
        for (int f = 0; f < fields.size(); f++) {
            Chunk[] chunks = new Chunk[file.batches().size()];
            for (int b = 0; b < chunks.length; b++) {
                chunks[b] = file.batches().get(b)[f];
            }
            Column c = Column.of(fields.get(f), chunks);
            if (idx.fields().contains(c.name()) && !indexCols.containsKey(c.name())) {
                indexCols.put(c.name(), c);
            } else {
                data.add(c);
            }
        }
        FrameIndex index = idx.isRange() ? FrameIndex.range(idx.name(), idx.start(), idx.step())
                : FrameIndex.ofColumns(idx.fields().stream().map(indexCols::get).toList());
        return new FrameView(data, index, file.rows(),
                Map.copyOf(PandasMetadata.columnEntries(file.metadata().get(PandasMetadata.KEY))));
    }

    /** Number of rows. */
    public long rowCount() {
        return rows;
    }

    /** Number of data columns (the index is not counted). */
    public int columnCount() {
        return columns.size();
    }

    /** The data column names, in order. */
    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    /** The data columns, in order. */
    public List<Column> columns() {
        return columns;
    }

    /** The index. */
    public FrameIndex index() {
        return index;
    }

    /** The column at {@code position}. */
    public Column column(int position) {
        if (position < 0 || position >= columns.size()) {
            throw new NoSuchColumnException("no column at position: position=" + position + ", columns="
                    + columns.size());
        }
        return columns.get(position);
    }

    /** The column called {@code name} (the first, if several share it). */
    public Column column(String name) {
        Integer i = byName.get(name);
        if (i == null) {
            List<String> all = columnNames();
            throw new NoSuchColumnException("no such column: name=" + name + ", columns="
                    + (all.size() > 20 ? all.subList(0, 20) + "... (" + all.size() + ")" : all));
        }
        return columns.get(i);
    }

    /** The column {@code name} as {@code type}, or a typed error naming the accessor and what it takes. */
    private <T extends Column> T typed(String name, Class<T> type, String accessor, String expected) {
        Column c = column(name);
        if (type.isInstance(c)) {
            return type.cast(c);
        }
        throw c.wrongType(accessor, expected);
    }

    /** A float64/float32/float16 column as doubles. */
    public DoubleColumn doubles(String name) {
        return typed(name, DoubleColumn.class, "doubles()", "float64, float32 or float16");
    }

    /** An integer column (any width) as longs. */
    public LongColumn longs(String name) {
        return typed(name, LongColumn.class, "longs()", "an integer column");
    }

    /** An integer column of at most 32 signed bits as ints. */
    public IntColumn ints(String name) {
        Column c = column(name);
        if (c.field.isDictionary()) {
            throw c.wrongType("ints()", "a plain (not dictionary-encoded) int32, int16, int8, uint16 or uint8");
        }
        return switch (c.type()) {
            case INT32, INT16, INT8, UINT16, UINT8 -> new IntColumn(c.field, c.chunks);
            default -> throw c.wrongType("ints()", "int32, int16, int8, uint16 or uint8");
        };
    }

    /** A bool column. */
    public BoolColumn bools(String name) {
        return typed(name, BoolColumn.class, "bools()", "bool");
    }

    /** A timestamp column. */
    public TimestampColumn timestamps(String name) {
        return typed(name, TimestampColumn.class, "timestamps()", "timestamp");
    }

    /** A string or category column. */
    public StringColumn strings(String name) {
        return typed(name, StringColumn.class, "strings()", "utf8 or dictionary<utf8>");
    }

    /** A date32/date64 column. */
    public DateColumn dates(String name) {
        return typed(name, DateColumn.class, "dates()", "date32 or date64");
    }

    /** A time32/time64 column. */
    public TimeColumn times(String name) {
        return typed(name, TimeColumn.class, "times()", "time32 or time64");
    }

    /** A duration column. */
    public DurationColumn durations(String name) {
        return typed(name, DurationColumn.class, "durations()", "duration");
    }

    /** A decimal128 column. */
    public DecimalColumn decimals(String name) {
        return typed(name, DecimalColumn.class, "decimals()", "decimal128");
    }

    /** A binary, large_binary, fixed_size_binary or binary_view column. */
    public BinaryColumn binaries(String name) {
        return typed(name, BinaryColumn.class, "binaries()", "a binary type");
    }

    /** A list or large_list column. */
    public ListColumn lists(String name) {
        return typed(name, ListColumn.class, "lists()", "list or large_list");
    }

    /** A struct column. */
    public StructColumn structs(String name) {
        return typed(name, StructColumn.class, "structs()", "struct");
    }

    /** The named columns, in the order given, with the same index and rows (no copy). */
    public FrameView select(String... names) {
        List<Column> out = new ArrayList<>();
        for (String n : names) {
            out.add(column(n));
        }
        return new FrameView(out, index, rows, pandasEntries);
    }

    /** Rows {@code [from, to)} of every column and of the index (no copy). */
    public FrameView slice(long from, long to) {
        if (from < 0 || to < from || to > rows) {
            throw new io.shm4j.OutOfBoundsException("slice out of range: from=" + from + ", to=" + to + ", rows=" + rows);
        }
        return new FrameView(columns.stream().map(c -> c.slice(from, to)).toList(), index.slice(from, to), to - from,
                pandasEntries);
    }

    /**
     * Splits the rows into at most {@code parts} contiguous, nearly equal row ranges, for
     * parallel work (each a view; no copy).
     */
    public List<FrameView> rowChunks(int parts) {
        if (parts <= 0) {
            throw new IllegalArgumentException("parts must be > 0: parts=" + parts);
        }
        int n = (int) Math.max(1, Math.min(parts, rows));
        List<FrameView> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(slice(rows * i / n, rows * (i + 1) / n));
        }
        return out;
    }

    /** A pandas-like text table of the first {@code n} rows. */
    public String head(int n) {
        return FrameText.head(this, n);
    }

    /** One line per column: name, Arrow type, nulls; then the index and the row count. */
    public String schemaDescription() {
        return FrameText.schema(this);
    }

    /** Writes CSV: a header row (index label first unless it is a default RangeIndex), then the rows. */
    public void writeCsv(Writer out) throws IOException {
        FrameCsv.write(this, out);
    }

    /**
     * Writes the frame to a file: {@code .csv}, or an Arrow IPC file for {@code .arrow},
     * {@code .feather}, {@code .ipc} (written anew from this view, 64-byte aligned).
     */
    public void save(Path file) {
        SharedFrame.export(this, null, file);
    }

    @Override
    public String toString() {
        return "FrameView[rows=" + rows + ", columns=" + columns.size() + ", index=" + index + "]";
    }
}
