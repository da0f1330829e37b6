package io.shm4j.segment;

/** The operating system denied access to the segment file. */
public class SegmentPermissionException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public SegmentPermissionException(String message) {
        super(message);
    }

    public SegmentPermissionException(String message, Throwable cause) {
        super(message, cause);
    }
}
