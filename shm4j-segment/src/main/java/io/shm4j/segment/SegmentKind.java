package io.shm4j.segment;

import java.util.Locale;

/** What a segment's bytes hold. The bytes themselves are a standard format; this is bookkeeping. */
public enum SegmentKind {
    /** Plain bytes (what Python's {@code SharedMemory} attaches). */
    RAW,
    /** A NumPy {@code .npy} file. */
    ARRAY,
    /** An Arrow IPC file. */
    FRAME,
    /** An object-store object (any of the above, or serialized bytes). */
    OBJECT,
    /** A list of mixed scalars in the layout of CPython's {@code ShareableList} ({@link io.shm4j.list.SharedList}). */
    LIST,
    /** The control segment of a live dataset: its current version number and writer lock ({@code io.shm4j.dataset.Dataset}). */
    DATASET,
    /** A file shm4j did not create (no shm4j metadata); attachable as raw bytes only. */
    FOREIGN;

    /** The lower-case name used in metadata, the CLI and JSON. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a {@link #label()}. */
    public static SegmentKind ofLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
