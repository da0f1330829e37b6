package io.shm4j.frame;

import java.util.List;

/**
 * The row labels of a frame, as pandas sees them: a {@code RangeIndex} (start, step; stored only
 * in the metadata) or one or more index columns (stored as Arrow columns, hidden from
 * {@link FrameView#columns()}). Immutable.
 */
public final class FrameIndex {
    private final String name;
    private final long start;
    private final long step;
    private final List<Column> columns;

    private FrameIndex(String name, long start, long step, List<Column> columns) {
        this.name = name;
        this.start = start;
        this.step = step;
        this.columns = List.copyOf(columns);
    }

    /** A RangeIndex {@code start, start + step, ...}; {@code name} may be null. */
    public static FrameIndex range(String name, long start, long step) {
        if (step == 0) {
            throw new IllegalArgumentException("RangeIndex step must not be 0");
        }
        return new FrameIndex(name, start, step, List.of());
    }

    /** The default index 0, 1, 2, ... without a name. */
    public static FrameIndex defaultRange() {
        return range(null, 0, 1);
    }

    static FrameIndex ofColumns(List<Column> columns) {
        return new FrameIndex(null, 0, 1, columns);
    }

    /** Whether this is a RangeIndex. */
    public boolean isRange() {
        return columns.isEmpty();
    }

    /** The index name: the RangeIndex name, or the first index column's pandas label; may be null. */
    public String name() {
        if (isRange()) {
            return name;
        }
        return io.shm4j.frame.internal.PandasMetadata.indexLabel(columns.get(0).name());
    }

    /** RangeIndex start. */
    public long start() {
        return start;
    }

    /** RangeIndex step. */
    public long step() {
        return step;
    }

    /** The index columns (empty for a RangeIndex). */
    public List<Column> columns() {
        return columns;
    }

    /** The label of {@code row} as text. */
    public String format(long row) {
        if (isRange()) {
            return Long.toString(start + row * step);
        }
        if (columns.size() == 1) {
            return columns.get(0).format(row);
        }
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < columns.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(columns.get(i).format(row));
        }
        return b.append(')').toString();
    }

    FrameIndex slice(long from, long to) {
        if (isRange()) {
            return new FrameIndex(name, start + from * step, step, List.of());
        }
        return new FrameIndex(null, 0, 1, columns.stream().map(c -> c.slice(from, to)).toList());
    }

    @Override
    public String toString() {
        if (isRange()) {
            return "RangeIndex(start=" + start + ", step=" + step + (name == null ? "" : ", name=" + name) + ")";
        }
        return "Index(" + columns.stream().map(Column::name).toList() + ")";
    }
}
