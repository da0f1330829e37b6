package io.shm4j.segment;

/** How a segment is mapped. */
public enum Access {
    /** Read-only mapping (the default): writes throw {@link IllegalArgumentException} ("Attempt to write a read-only segment"). */
    READ_ONLY,
    /** Read-write mapping: only for segments created mutable, or foreign raw segments. */
    READ_WRITE
}
