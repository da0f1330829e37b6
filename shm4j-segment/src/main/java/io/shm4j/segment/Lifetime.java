package io.shm4j.segment;

/** How long a segment lives. */
public enum Lifetime {
    /** Dies with its owner process: on the owner's close, its normal exit, or gc after a crash. */
    SCOPED,
    /** Lives until removed with {@code unlink()} or {@code shm4j rm}. */
    PERSISTENT
}
