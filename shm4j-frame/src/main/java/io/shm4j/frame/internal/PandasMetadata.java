package io.shm4j.frame.internal;

import io.shm4j.frame.ColumnType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code pandas} key of the Arrow schema metadata: a JSON document pyarrow's
 * {@code Table.to_pandas()} reads to restore the index (RangeIndex or index columns) and the
 * column order. shm4j writes it for every frame and reads the index from it.
 *
 * <pre>
 * {"index_columns": [{"kind": "range", "name": null, "start": 0, "stop": N, "step": 1}] | ["field", ...],
 *  "column_indexes": [{"name": null, "field_name": null, "pandas_type": "unicode", "numpy_type": "object",
 *                      "metadata": {"encoding": "UTF-8"}}],
 *  "columns": [{"name": "a", "field_name": "a", "pandas_type": "float64", "numpy_type": "float64",
 *               "metadata": null}, ...  (data columns, then index columns)],
 *  "creator": {"library": "shm4j", "version": "..."}, "pandas_version": "2.2.0"}
 * </pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class PandasMetadata {
    /** The schema metadata key. */
    public static final String KEY = "pandas";

    private PandasMetadata() {}

    /** A column to describe: its pandas label (null for an unnamed index) and its field. */
    public record Entry(String label, ArrowField field, int numCategories, Map<?, ?> source) {
        /** An entry of a new column. */
        public Entry(String label, ArrowField field, int numCategories) {
            this(label, field, numCategories, null);
        }
    }

    /**
     * The {@code columns} entries of a pandas document by {@code field_name} (empty when there
     * is none or it is malformed): what a copy carries over so pandas gets back the same
     * dtypes (nullable {@code Int64}, {@code boolean}, {@code string}) and index labels.
     */
    public static Map<String, Map<?, ?>> columnEntries(String json) {
        Map<String, Map<?, ?>> out = new java.util.HashMap<>();
        if (json == null) {
            return out;
        }
        try {
            if (Json.parse(json) instanceof Map<?, ?> doc && doc.get("columns") instanceof List<?> cols) {
                for (Object c : cols) {
                    if (c instanceof Map<?, ?> m && m.get("field_name") instanceof String f
                            && m.get("pandas_type") instanceof String && m.get("numpy_type") instanceof String) {
                        out.put(f, m);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            out.clear();
        }
        return out;
    }

    /** The index as the metadata describes it: a range, or field names of index columns. */
    public record Index(boolean isRange, String name, long start, long step, List<String> fields) {
        /** No index information: a default RangeIndex. */
        public static final Index DEFAULT = new Index(true, null, 0, 1, List.of());
    }

    /** Writes the document. {@code range} is used when {@code indexColumns} is empty. */
    public static String toJson(List<Entry> columns, List<Entry> indexColumns, Index range, long rows) {
        StringBuilder b = new StringBuilder(256 + 128 * (columns.size() + indexColumns.size()));
        b.append("{\"index_columns\": [");
        if (indexColumns.isEmpty()) {
            b.append("{\"kind\": \"range\", \"name\": ");
            Json.quote(b, range.name());
            b.append(", \"start\": ").append(range.start()).append(", \"stop\": ")
                    .append(range.start() + rows * range.step()).append(", \"step\": ").append(range.step()).append('}');
        } else {
            for (int i = 0; i < indexColumns.size(); i++) {
                Json.quote(b.append(i == 0 ? "" : ", "), indexColumns.get(i).field().name());
            }
        }
        b.append("], \"column_indexes\": [{\"name\": null, \"field_name\": null, \"pandas_type\": \"unicode\","
                + " \"numpy_type\": \"object\", \"metadata\": {\"encoding\": \"UTF-8\"}}], \"columns\": [");
        List<Entry> all = new ArrayList<>(columns);
        all.addAll(indexColumns);
        for (int i = 0; i < all.size(); i++) {
            Entry e = all.get(i);
            ArrowField f = e.field();
            b.append(i == 0 ? "" : ", ").append("{\"name\": ");
            Json.quote(b, e.label());
            b.append(", \"field_name\": ");
            Json.quote(b, f.name());
            String pandasType = f.type().pandasType();
            String numpyType = f.type().numpyType();
            String meta = "null";
            Map<?, ?> src = e.source();
            if (src != null && f.type() != ColumnType.TIMESTAMP && f.type() != ColumnType.CATEGORY) {
                // the source's pandas dtype of the same Arrow data: Int64, boolean, string, ...
                pandasType = (String) src.get("pandas_type");
                numpyType = (String) src.get("numpy_type");
                meta = Json.write(new StringBuilder(), src.get("metadata")).toString();
            } else if (f.type() == ColumnType.TIMESTAMP) {
                numpyType = "datetime64[" + ArrowField.unitName(f.unit()) + "]";
                if (f.timeZone() != null) {
                    pandasType = "datetimetz";
                    meta = Json.quote(new StringBuilder("{\"timezone\": "), f.timeZone()).append('}').toString();
                }
            } else if (f.type() == ColumnType.CATEGORY) {
                meta = "{\"num_categories\": " + e.numCategories() + ", \"ordered\": " + f.ordered() + "}";
            }
            b.append(", \"pandas_type\": \"").append(pandasType).append("\", \"numpy_type\": \"").append(numpyType)
                    .append("\", \"metadata\": ").append(meta).append('}');
        }
        b.append("], \"creator\": {\"library\": \"shm4j\", \"version\": \"0.1.0\"}, \"pandas_version\": \"2.2.0\"}");
        return b.toString();
    }

    /**
     * Reads the index from a pandas document. Lenient: a missing or malformed document, or one
     * naming fields that do not exist, means the default RangeIndex (the data stay readable).
     */
    public static Index parseIndex(String json, List<String> fieldNames) {
        if (json == null) {
            return Index.DEFAULT;
        }
        try {
            if (!(Json.parse(json) instanceof Map<?, ?> doc) || !(doc.get("index_columns") instanceof List<?> cols)) {
                return Index.DEFAULT;
            }
            List<String> names = new ArrayList<>();
            for (Object c : cols) {
                if (c instanceof String s && fieldNames.contains(s) && !names.contains(s)) {
                    names.add(s);
                } else if (c instanceof Map<?, ?> m && "range".equals(m.get("kind")) && cols.size() == 1) {
                    String name = m.get("name") instanceof String s ? s : null;
                    long start = m.get("start") instanceof Long l ? l : 0;
                    long step = m.get("step") instanceof Long l && l != 0 ? l : 1;
                    return new Index(true, name, start, step, List.of());
                } else {
                    return Index.DEFAULT;
                }
            }
            return names.isEmpty() ? Index.DEFAULT : new Index(false, null, 0, 1, List.copyOf(names));
        } catch (IllegalArgumentException e) {
            return Index.DEFAULT;
        }
    }

    /** The pandas label of an index field: null for pyarrow's {@code __index_level_N__} names. */
    public static String indexLabel(String fieldName) {
        return fieldName.matches("__index_level_\\d+__") ? null : fieldName;
    }
}
