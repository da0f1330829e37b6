package io.shm4j.segment;

/** The segment handle was closed in this process; attach it again to use it. */
public class SegmentClosedException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public SegmentClosedException(String message) {
        super(message);
    }

    public SegmentClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
