package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A list column: Arrow {@code list<item>} or {@code large_list<item>} of a flat type, read in
 * place. {@link #values} gives the items of one row as a typed zero-copy {@link Column} view of
 * the child array. Text is Python-like ({@code [1, 2]}, {@code ['a', None]}). Offsets are checked
 * on every access. Thread-safety and ownership: see {@link Column}.
 */
public final class ListColumn extends Column {
    private final ArrowField item;
    private final boolean wide;
    private final Column[] children;

    ListColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
        this.item = field.children().get(0);
        this.wide = field.offsetWidth() == 8;
        this.children = new Column[chunks.length];
        for (int k = 0; k < chunks.length; k++) {
            children[k] = Column.of(item, new Chunk[] {chunks[k].children()[0]});
        }
    }

    @Override
    ListColumn with(ArrowField newField, Chunk[] newChunks) {
        return new ListColumn(newField, newChunks);
    }

    @Override
    public ListColumn slice(long from, long to) {
        return (ListColumn) super.slice(from, to);
    }

    /** The item type. */
    public ColumnType itemType() {
        return item.type();
    }

    /** Number of items at {@code row} (0 for null). */
    public long size(long row) {
        int k = chunkOf(row);
        long[] r = range(k, row);
        return r[1] - r[0];
    }

    /** The items at {@code row} as a zero-copy view of the child array, or null for a null row. */
    public Column values(long row) {
        int k = chunkOf(row);
        if (chunks[k].isNull(row - starts[k])) {
            return null;
        }
        long[] r = range(k, row);
        return children[k].slice(r[0], r[1]);
    }

    /** The items at {@code row}, boxed (nulls as null), or null for a null row. */
    public List<Object> get(long row) {
        Column v = values(row);
        if (v == null) {
            return null;
        }
        List<Object> out = new ArrayList<>((int) Math.min(v.length(), 1 << 20));
        for (long i = 0; i < v.length(); i++) {
            out.add(v.getObject(i));
        }
        return out;
    }

    private long[] range(int k, long row) {
        Chunk c = chunks[k];
        long e = c.offset() + row - starts[k];
        var o = c.offsets();
        long start = wide ? o.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, e) : o.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, e);
        long end = wide ? o.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, e + 1)
                : o.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, e + 1);
        long childLength = children[k].length();
        if (start < 0 || end < start || end > childLength) {
            throw new FrameFormatException("list offsets out of range: column=" + name() + ", row=" + row + ", start="
                    + start + ", end=" + end + ", childLength=" + childLength);
        }
        return new long[] {start, end};
    }

    @Override
    public Object getObject(long row) {
        return get(row);
    }

    @Override
    public String format(long row) {
        Column v = values(row);
        if (v == null) {
            return "";
        }
        StringBuilder b = new StringBuilder("[");
        for (long i = 0; i < v.length(); i++) {
            b.append(i == 0 ? "" : ", ").append(pythonLike(v, i));
        }
        return b.append(']').toString();
    }

    /** One value as Python's repr would show it in a list: None, quoted strings, else the text form. */
    static String pythonLike(Column c, long i) {
        if (c.isNull(i)) {
            return "None";
        }
        String s = c.format(i);
        return c instanceof StringColumn || c instanceof BinaryColumn ? "'" + s.replace("'", "\\'") + "'" : s;
    }
}
