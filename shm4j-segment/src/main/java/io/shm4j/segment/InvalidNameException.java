package io.shm4j.segment;

/** A segment name breaks the naming rules (empty, too long, contains '/' or NUL, or starts with '.'). */
public class InvalidNameException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public InvalidNameException(String message) {
        super(message);
    }

    public InvalidNameException(String message, Throwable cause) {
        super(message, cause);
    }
}
