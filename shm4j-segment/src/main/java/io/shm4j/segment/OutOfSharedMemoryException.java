package io.shm4j.segment;

/** The shm directory cannot hold the requested bytes. Raised at creation, never later as a SIGBUS. */
public class OutOfSharedMemoryException extends SegmentException {
    private static final long serialVersionUID = 1L;

    public OutOfSharedMemoryException(String message) {
        super(message);
    }

    public OutOfSharedMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
