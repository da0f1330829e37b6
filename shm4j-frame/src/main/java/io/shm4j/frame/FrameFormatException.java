package io.shm4j.frame;

import io.shm4j.BadFormatException;

/**
 * The bytes are not a valid Arrow IPC file: wrong magic, truncated, metadata that does not
 * parse, or offsets and lengths that point outside the file or the buffers. The message names
 * the check that failed with {@code name=value} facts.
 */
public class FrameFormatException extends BadFormatException {
    private static final long serialVersionUID = 1L;

    public FrameFormatException(String message) {
        super(message);
    }

    public FrameFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
