package io.shm4j.array;

import io.shm4j.Shm4jException;

/** A write to an array that is not writable here: published immutable, attached read-only, or mapped from a file read-only. */
public class ReadOnlyArrayException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyArrayException(String message) {
        super(message);
    }

    public ReadOnlyArrayException(String message, Throwable cause) {
        super(message, cause);
    }
}
