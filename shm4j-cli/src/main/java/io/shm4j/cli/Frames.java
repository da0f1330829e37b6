package io.shm4j.cli;

import io.shm4j.segment.ShmOptions;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.SegmentInfo;
import java.nio.file.Path;
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

    static void export(SegmentInfo info, Path file) {
        try (SharedFrame f = SharedFrame.attach(info.ref())) {
            f.save(file);
        }
    }

    static void describe(SegmentInfo info, Map<String, Object> into) {
        try (SharedFrame f = SharedFrame.attach(info.ref())) {
            into.put("rows", f.rowCount());
            into.put("columns", f.columnNames().size());
            into.put("schema", f.schemaDescription());
        }
    }
}
