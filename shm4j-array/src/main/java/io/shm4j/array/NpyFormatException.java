package io.shm4j.array;

import io.shm4j.BadFormatException;

/** The bytes are not a well-formed {@code .npy} file: bad magic or version, an unparsable header, a truncated file, or a shape that does not match the file size. */
public class NpyFormatException extends BadFormatException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message);
    }

    public NpyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
