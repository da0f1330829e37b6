package io.shm4j.segment;

/** The name exists but is not a usable segment: not a regular file, or its shm4j metadata is damaged or of another version. */
public class NotASegmentException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public NotASegmentException(String message) {
        super(message);
    }

    public NotASegmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
