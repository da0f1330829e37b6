package io.shm4j.segment;

/** No segment of that name exists in the shm directory (never created, already removed, or reclaimed by gc). */
public class NoSuchSegmentException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public NoSuchSegmentException(String message) {
        super(message);
    }

    public NoSuchSegmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
