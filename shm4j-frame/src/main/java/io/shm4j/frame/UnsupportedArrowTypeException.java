package io.shm4j.frame;

/**
 * A valid Arrow file holds a column type shm4j frames do not support (the message names the
 * type, for example {@code Decimal128} or {@code List}). Cast the column in pyarrow first, for
 * example {@code table.cast(...)}, or drop it.
 */
public class UnsupportedArrowTypeException extends FrameFormatException {
    private static final long serialVersionUID = 1L;

    public UnsupportedArrowTypeException(String message) {
        super(message);
    }
}
