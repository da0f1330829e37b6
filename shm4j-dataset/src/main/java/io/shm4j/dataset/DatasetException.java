package io.shm4j.dataset;

/** A failure of a dataset operation: its control segment, its versions or its writer lock. */
public class DatasetException extends io.shm4j.Shm4jException {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
