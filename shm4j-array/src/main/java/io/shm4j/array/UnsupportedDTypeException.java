package io.shm4j.array;

import io.shm4j.BadFormatException;

/** A {@code .npy} descriptor names a type shm4j does not hold: object ({@code 'O'}), big-endian, structured, or another type (see {@link DType}). */
public class UnsupportedDTypeException extends BadFormatException {
    private static final long serialVersionUID = 1L;

    public UnsupportedDTypeException(String message) {
        super(message);
    }

    public UnsupportedDTypeException(String message, Throwable cause) {
        super(message, cause);
    }
}
