package io.shm4j.segment;

/** A ref names an earlier incarnation of a segment: the name now holds another segment (its generation differs). */
public class StaleSegmentException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public StaleSegmentException(String message) {
        super(message);
    }

    public StaleSegmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
