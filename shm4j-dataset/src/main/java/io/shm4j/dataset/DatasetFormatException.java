package io.shm4j.dataset;

/** A segment is not a dataset control segment of a layout this version reads. */
public class DatasetFormatException extends io.shm4j.BadFormatException {
    private static final long serialVersionUID = 1L;

    public DatasetFormatException(String message) {
        super(message);
    }
}
