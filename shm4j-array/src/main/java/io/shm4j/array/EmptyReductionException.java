package io.shm4j.array;

import io.shm4j.Shm4jException;

/** A reduction without identity (min, max) over zero elements, like NumPy's {@code ValueError: zero-size array to reduction operation minimum which has no identity}. */
public class EmptyReductionException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public EmptyReductionException(String message) {
        super(message);
    }

    public EmptyReductionException(String message, Throwable cause) {
        super(message, cause);
    }
}
