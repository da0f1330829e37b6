package io.shm4j.cli;

import io.shm4j.array.NpyHeader;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.ShmOptions;
import io.shm4j.frame.Column;
import io.shm4j.frame.FrameIndex;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.SegmentInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The CLI's use of the frame layer: put, export and info of data frames. */
final class Frames {
    private Frames() {}

    static boolean handles(String lowerCaseFileName) {
        return lowerCaseFileName.endsWith(".csv") || lowerCaseFileName.endsWith(".arrow")
                || lowerCaseFileName.endsWith(".feather") || lowerCaseFileName.endsWith(".ipc")
                || lowerCaseFileName.endsWith(".arrows");
    }

    /** Loads a CSV or Arrow IPC file into a new persistent frame; returns a one-line description. */
    static String put(Path file, String name, Lifetime lifetime, ProcessIdentity owner) {
        try (SharedFrame f = SharedFrame.copyOf(ShmOptions.named(name).withLifetime(lifetime).withOwner(owner), file)) {
            return f.ref().name() + " frame " + f.rowCount() + " rows x " + f.columnNames().size()
                    + " columns, " + f.byteSize() + " bytes " + lifetime.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Stores a {@code .npy} record array as a new frame, one column per field: the file is mapped
     * in place (a big-endian one is first converted into a scoped array, removed at once).
     */
    static String putRecords(Path file, String name, Lifetime lifetime, ProcessIdentity owner) {
        NpyHeader h = SharedArray.readHeader(file);
        if (h.recordType() == null) {
            throw new io.shm4j.BadFormatException("--frame needs a record array (structured dtype): path=" + file
                    + ", dtype=" + h.dtype() + "; put it without --frame to keep it an array");
        }
        try (SharedArray rec = h.bigEndian() ? SharedArray.copyOf(ShmOptions.defaults(), file) : SharedArray.open(file);
                SharedFrame f = SharedFrame.fromRecords(ShmOptions.named(name).withLifetime(lifetime).withOwner(owner), rec)) {
            return f.ref().name() + " frame " + f.rowCount() + " rows x " + f.columnNames().size()
                    + " columns (from the fields of a record array), " + f.byteSize() + " bytes "
                    + lifetime.name().toLowerCase(java.util.Locale.ROOT)
                    + (h.bigEndian() ? ", converted from big-endian" : "");
        }
    }

    static void export(SegmentInfo info, Path file) {
        try (SharedFrame f = SharedFrame.attach(info.ref())) {
            f.save(file);
        }
    }

    /**
     * Rows, columns and the schema: as text, or for JSON as {@code {"columns": [{"name", "type",
     * "arrowType", "nullable", "nullCount"}...], "index": {"kind": "range", "name", "start",
     * "step"} | {"kind": "columns", "columns": [...]}}}.
     */
    static void describe(SegmentInfo info, Map<String, Object> into, boolean json) {
        try (SharedFrame f = SharedFrame.attach(info.ref())) {
            into.put("rows", f.rowCount());
            into.put("columns", f.columnNames().size());
            if (!json) {
                into.put("schema", f.schemaDescription());
                return;
            }
            Map<String, Object> schema = new LinkedHashMap<>();
            List<Object> columns = new ArrayList<>();
            for (String c : f.columnNames()) {
                columns.add(column(f.column(c)));
            }
            schema.put("columns", columns);
            FrameIndex ix = f.index();
            Map<String, Object> index = new LinkedHashMap<>();
            if (ix.isRange()) {
                index.put("kind", "range");
                index.put("name", ix.name());
                index.put("start", ix.start());
                index.put("step", ix.step());
            } else {
                index.put("kind", "columns");
                List<Object> ic = new ArrayList<>();
                for (Column c : ix.columns()) {
                    ic.add(column(c));
                }
                index.put("columns", ic);
            }
            schema.put("index", index);
            into.put("schema", schema);
        }
    }

    private static Map<String, Object> column(Column c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("type", c.type().name().toLowerCase(java.util.Locale.ROOT));
        m.put("arrowType", c.arrowType());
        m.put("nullable", c.nullable());
        m.put("nullCount", c.nullCount());
        return m;
    }
}
