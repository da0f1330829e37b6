package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.ArrowWriter;
import io.shm4j.frame.internal.ColumnSource;
import io.shm4j.frame.internal.PandasMetadata;
import io.shm4j.segment.ShmOptions;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;
import java.util.function.LongToDoubleFunction;
import java.util.function.LongUnaryOperator;

/**
 * Builds a frame of a fixed number of rows straight into shared memory. Columns are declared
 * with their sources (heap arrays, or functions of the row number, so data that does not exist
 * on the heap never has to); {@link #build()} sizes every column first, reserves the segment
 * once and writes each value once, into the segment — at most one copy of the data.
 *
 * <p>Nulls: every {@code add} method has a form taking an {@code isNull} predicate (null means
 * no nulls); strings and categories are null where the source returns {@code null}.
 *
 * <pre>{@code
 * try (SharedFrame f = SharedFrame.builder(rows)
 *         .addTimestamps("date", null, i -> start + i * DAY_NANOS, null)
 *         .addDoubles("price", i -> prices[(int) i], i -> i % 2 == 0)
 *         .addStrings("sym", i -> symbols[(int) (i % symbols.length)])
 *         .build(ShmOptions.named("prices"))) { ... }
 * }</pre>
 *
 * <p>Not thread-safe; use once. String and category functions are called twice per row (to
 * size, then to write) and must return the same values both times.
 */
public final class FrameBuilder {
    private final long rows;
    private final List<ColumnSource> sources = new ArrayList<>();
    private final List<String> indexNames = new ArrayList<>();
    /** The copied frame's pandas entries by field name: copies keep pandas dtypes and index labels. */
    private Map<String, Map<?, ?>> pandasEntries = Map.of();
    private FrameIndex range = FrameIndex.defaultRange();

    FrameBuilder(long rows) {
        if (rows < 0) {
            throw new IllegalArgumentException("rows must be >= 0: rows=" + rows);
        }
        this.rows = rows;
    }

    /** A builder that copies every column (and the index) of {@code view}. */
    static FrameBuilder copyOf(FrameView view) {
        FrameBuilder b = new FrameBuilder(view.rowCount());
        b.pandasEntries = view.pandasEntries;
        for (Column c : view.columns()) {
            b.add(new ColumnCopy(c.name(), c));
        }
        if (view.index().isRange()) {
            b.range = view.index();
        } else {
            for (Column c : view.index().columns()) {
                b.add(new ColumnCopy(c.name(), c));
                b.indexNames.add(c.name());
            }
        }
        return b;
    }

    /** Uses a RangeIndex {@code start, start+step, ...} named {@code indexName} (may be null). */
    public FrameBuilder rangeIndex(String indexName, long start, long step) {
        this.range = FrameIndex.range(indexName, start, step);
        return this;
    }

    /**
     * Makes the already added column {@code columnName} the index (pandas restores it as the
     * index). A column named {@code __index_level_0__} becomes an unnamed index.
     */
    public FrameBuilder indexColumn(String columnName) {
        if (sources.stream().noneMatch(s -> s.field().name().equals(columnName))) {
            throw new NoSuchColumnException("no such column to use as index: name=" + columnName);
        }
        indexNames.add(columnName);
        return this;
    }

    /** float64 values from an array (NaN stays NaN; no nulls). */
    public FrameBuilder addDoubles(String column, double[] values) {
        return addDoubles(column, values, null);
    }

    /** float64 values from an array with nulls. */
    public FrameBuilder addDoubles(String column, double[] values, LongPredicate isNull) {
        return add(ColumnSource.ofArray(field(column, ColumnType.FLOAT64), values, checkLength(column, values.length), isNull));
    }

    /** float64 values computed per row. */
    public FrameBuilder addDoubles(String column, LongToDoubleFunction values, LongPredicate isNull) {
        return add(ColumnSource.ofDoubles(field(column, ColumnType.FLOAT64), rows, values, isNull));
    }

    /** float32 values from an array. */
    public FrameBuilder addFloats(String column, float[] values, LongPredicate isNull) {
        return add(ColumnSource.ofArray(field(column, ColumnType.FLOAT32), values, checkLength(column, values.length), isNull));
    }

    /** int64 values from an array. */
    public FrameBuilder addLongs(String column, long[] values, LongPredicate isNull) {
        return add(ColumnSource.ofArray(field(column, ColumnType.INT64), values, checkLength(column, values.length), isNull));
    }

    /** int64 values computed per row. */
    public FrameBuilder addLongs(String column, LongUnaryOperator values, LongPredicate isNull) {
        return add(ColumnSource.ofLongs(field(column, ColumnType.INT64), rows, values, isNull));
    }

    /** int32 values from an array. */
    public FrameBuilder addInts(String column, int[] values, LongPredicate isNull) {
        return add(ColumnSource.ofArray(field(column, ColumnType.INT32), values, checkLength(column, values.length), isNull));
    }

    /**
     * Integer values of a given width computed per row (each value keeps its low bits).
     *
     * @param type INT64, INT32, INT16 or INT8
     */
    public FrameBuilder addIntegers(String column, ColumnType type, LongUnaryOperator values, LongPredicate isNull) {
        if (!type.isInteger() || type.name().startsWith("U")) {
            throw new IllegalArgumentException("not a signed integer type: type=" + type);
        }
        return add(ColumnSource.ofLongs(field(column, type), rows, values, isNull));
    }

    /** bool values from an array. */
    public FrameBuilder addBooleans(String column, boolean[] values, LongPredicate isNull) {
        checkLength(column, values.length);
        return add(ColumnSource.ofBooleans(field(column, ColumnType.BOOL), rows, i -> values[(int) i], isNull));
    }

    /** bool values computed per row. */
    public FrameBuilder addBooleans(String column, LongPredicate values, LongPredicate isNull) {
        return add(ColumnSource.ofBooleans(field(column, ColumnType.BOOL), rows, values, isNull));
    }

    /** timestamp[ns] values (nanoseconds since the epoch) from an array; {@code zone} null for naive. */
    public FrameBuilder addTimestamps(String column, ZoneId zone, long[] epochNanos, LongPredicate isNull) {
        checkLength(column, epochNanos.length);
        return add(ColumnSource.ofArray(ArrowField.timestamp(column, TimeUnit.NANOSECONDS, zoneName(zone)), epochNanos,
                rows, isNull));
    }

    /** timestamp[ns] values computed per row; {@code zone} null for naive. */
    public FrameBuilder addTimestamps(String column, ZoneId zone, LongUnaryOperator epochNanos, LongPredicate isNull) {
        return add(ColumnSource.ofLongs(ArrowField.timestamp(column, TimeUnit.NANOSECONDS, zoneName(zone)), rows,
                epochNanos, isNull));
    }

    /** utf8 strings from an array (null elements are null). */
    public FrameBuilder addStrings(String column, String[] values) {
        checkLength(column, values.length);
        return addStrings(column, i -> values[(int) i]);
    }

    /** utf8 strings from a list (null elements are null). */
    public FrameBuilder addStrings(String column, List<String> values) {
        checkLength(column, values.size());
        return addStrings(column, i -> values.get((int) i));
    }

    /** utf8 strings computed per row (null = null; called twice per row). */
    public FrameBuilder addStrings(String column, LongFunction<String> values) {
        return add(ColumnSource.ofStrings(field(column, ColumnType.STRING), rows, values));
    }

    /** A category column, pandas style: {@code codes[i]} indexes {@code categories}, -1 is null. */
    public FrameBuilder addCategories(String column, List<String> categories, int[] codes) {
        checkLength(column, codes.length);
        return add(ColumnSource.ofCategories(field(column, ColumnType.CATEGORY), rows, categories, i -> codes[(int) i]));
    }

    /** A category column from plain values; categories in order of first appearance. */
    public FrameBuilder addCategories(String column, LongFunction<String> values) {
        return add(ColumnSource.ofCategoryValues(field(column, ColumnType.CATEGORY), rows, values));
    }

    /**
     * One column per field of a NumPy record array (a structured dtype, as
     * {@code np.rec.fromarrays} makes), as {@code pandas.DataFrame.from_records} does: the named
     * fields in that order, or every field in record order when none is named. Numbers and bool
     * keep their type; {@code datetime64[ns|us|ms|s]} become timestamp[unit], {@code datetime64[D]}
     * date32, {@code timedelta64} duration (days as seconds, as pandas), NaT null; {@code S<n>}
     * binary and {@code U<n>} utf8, trailing NULs stripped as NumPy does. The array must be 1-d
     * and stay open until the frame is built.
     *
     * @throws UnsupportedArrowTypeException for a complex field (Arrow has no complex type), naming
     *     the field and its dtype
     * @throws io.shm4j.array.DTypeMismatchException if {@code records} is not a record array
     * @throws io.shm4j.array.UnsupportedDTypeException if a named field does not exist (the message
     *     lists the fields)
     */
    public FrameBuilder addRecords(io.shm4j.array.SharedArray records, String... fields) {
        checkLength("records", records.size());
        for (ColumnSource s : RecordColumns.of(records, List.of(fields))) {
            add(s);
        }
        return this;
    }

    /** A copy of an existing column view (from any frame, any slice) under {@code column}. */
    public FrameBuilder addColumn(String column, Column source) {
        checkLength(column, source.length());
        return add(new ColumnCopy(column, source));
    }

    /**
     * Builds the frame into a new segment of kind {@code frame} created with {@code options}
     * (name, lifetime, mutability, mode, owner, directory) and returns its owning handle.
     */
    public SharedFrame build(ShmOptions options) {
        return SharedFrame.create(plan(), Objects.requireNonNull(options, "options"));
    }

    /** Same as {@code build(ShmOptions.defaults())}: a generated name, scoped, immutable. */
    public SharedFrame build() {
        return build(ShmOptions.defaults());
    }

    /**
     * Writes the frame to an Arrow IPC file on disk instead of shared memory (under a temporary
     * name moved into place).
     *
     * @throws io.shm4j.FileAccessException if the file cannot be written
     */
    public void save(java.nio.file.Path file) {
        SharedFrame.writeFile(plan(), file);
    }

    ArrowWriter.Plan plan() {
        List<ColumnSource> data = new ArrayList<>();
        List<ColumnSource> index = new ArrayList<>();
        for (ColumnSource s : sources) {
            (indexNames.contains(s.field().name()) ? index : data).add(s);
        }
        List<ColumnSource> all = new ArrayList<>(data);
        all.addAll(index);
        for (ColumnSource s : all) {
            s.measure(); // sizes, null counts and dictionaries; the pandas document needs category counts
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(PandasMetadata.KEY, PandasMetadata.toJson(entries(data, false), entries(index, true),
                new PandasMetadata.Index(true, range.name(), range.start(), range.step(), List.of()), rows));
        return ArrowWriter.plan(all, rows, metadata);
    }

    private List<PandasMetadata.Entry> entries(List<ColumnSource> sources, boolean index) {
        List<PandasMetadata.Entry> out = new ArrayList<>();
        for (ColumnSource s : sources) {
            Map<?, ?> source = pandasEntries.get(s.field().name());
            String label = index ? PandasMetadata.indexLabel(s.field().name()) : s.field().name();
            if (index && source != null && (source.get("name") == null || source.get("name") instanceof String)) {
                label = (String) source.get("name"); // an index named like a column keeps its label
            }
            int cats = s.dictionary() == null ? 0 : (int) s.dictionary().length();
            out.add(new PandasMetadata.Entry(label, s.field(), cats, source));
        }
        return out;
    }

    /** Adds a column from a source that knows its own field (the CSV reader's columns). */
    FrameBuilder addSource(ColumnSource s) {
        return add(s);
    }

    private FrameBuilder add(ColumnSource s) {
        if (s.length() != rows) {
            throw new IllegalArgumentException("column length differs from the frame's rows: column="
                    + s.field().name() + ", length=" + s.length() + ", rows=" + rows);
        }
        sources.add(s);
        return this;
    }

    private long checkLength(String column, long n) {
        if (n != rows) {
            throw new IllegalArgumentException("column length differs from the frame's rows: column=" + column
                    + ", length=" + n + ", rows=" + rows);
        }
        return n;
    }

    private static ArrowField field(String column, ColumnType type) {
        return ArrowField.of(Objects.requireNonNull(column, "column name"), type);
    }

    private static String zoneName(ZoneId zone) {
        return zone == null ? null : zone.getId();
    }
}
