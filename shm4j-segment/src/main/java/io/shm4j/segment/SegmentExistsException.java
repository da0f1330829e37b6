package io.shm4j.segment;

/** A segment of that name already exists; pick another name or remove the old one. */
public class SegmentExistsException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public SegmentExistsException(String message) {
        super(message);
    }

    public SegmentExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
