package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A struct column: named child columns of equal length, read in place. {@link #field} gives a
 * child as a typed zero-copy view (as pyarrow's {@code StructArray.field}: the struct's own nulls
 * are not applied to it). Text is Python-like ({@code {'a': 1, 'b': 'x'}}). Thread-safety and
 * ownership: see {@link Column}.
 */
public final class StructColumn extends Column {
    private final List<Column> fields;

    StructColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
        List<Column> out = new ArrayList<>();
        for (int i = 0; i < field.children().size(); i++) {
            Chunk[] kid = new Chunk[chunks.length];
            for (int k = 0; k < chunks.length; k++) {
                kid[k] = chunks[k].children()[i];
            }
            out.add(Column.of(field.children().get(i), kid));
        }
        this.fields = List.copyOf(out);
    }

    @Override
    StructColumn with(ArrowField newField, Chunk[] newChunks) {
        return new StructColumn(newField, newChunks);
    }

    @Override
    public StructColumn slice(long from, long to) {
        return (StructColumn) super.slice(from, to);
    }

    /** The child names, in order. */
    public List<String> fieldNames() {
        return fields.stream().map(Column::name).toList();
    }

    /** The child columns, in order. */
    public List<Column> fields() {
        return fields;
    }

    /** The child called {@code name}. */
    public Column field(String name) {
        for (Column c : fields) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new NoSuchColumnException("no such struct field: column=" + name() + ", field=" + name + ", fields="
                + fieldNames());
    }

    /** The value at {@code row} as an ordered map of field name to boxed value, or null. */
    public Map<String, Object> get(long row) {
        if (isNull(row)) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (Column c : fields) {
            m.put(c.name(), c.getObject(row));
        }
        return m;
    }

    @Override
    public Object getObject(long row) {
        return get(row);
    }

    @Override
    public String format(long row) {
        if (isNull(row)) {
            return "";
        }
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < fields.size(); i++) {
            Column c = fields.get(i);
            b.append(i == 0 ? "" : ", ").append('\'').append(c.name()).append("': ")
                    .append(ListColumn.pythonLike(c, row));
        }
        return b.append('}').toString();
    }
}
