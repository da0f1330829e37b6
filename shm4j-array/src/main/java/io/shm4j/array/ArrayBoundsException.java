package io.shm4j.array;

import io.shm4j.Shm4jException;

/** An index is outside the array's shape, or has the wrong number of dimensions. */
public class ArrayBoundsException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public ArrayBoundsException(String message) {
        super(message);
    }

    public ArrayBoundsException(String message, Throwable cause) {
        super(message, cause);
    }
}
