package io.shm4j.segment;

/** A failure of the segment layer: naming, creating, mapping or removing a segment. */
public class SegmentException extends io.shm4j.Shm4jException {
    private static final long serialVersionUID = 1L;

    public SegmentException(String message) {
        super(message);
    }

    public SegmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
