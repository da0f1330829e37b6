package io.shm4j.array;

import io.shm4j.Shm4jException;

/** A shape is invalid or does not fit the operation: a negative or too large dimension, a reshape to another size or of a non-contiguous view, a bad axis, a Java array of the wrong length. */
public class ShapeException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public ShapeException(String message) {
        super(message);
    }

    public ShapeException(String message, Throwable cause) {
        super(message, cause);
    }
}
