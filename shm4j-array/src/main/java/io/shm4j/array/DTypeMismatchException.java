package io.shm4j.array;

import io.shm4j.BadFormatException;

/** An element accessor or Java array does not match the array's element type (for example {@code getDouble} on an {@code int32} array). */
public class DTypeMismatchException extends BadFormatException {
    private static final long serialVersionUID = 1L;

    public DTypeMismatchException(String message) {
        super(message);
    }

    public DTypeMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
