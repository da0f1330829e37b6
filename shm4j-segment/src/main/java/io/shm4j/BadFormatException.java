package io.shm4j;

/**
 * The bytes of a segment or file are not in the format expected (a corrupt or truncated
 * {@code .npy} or Arrow IPC file, an unsupported type, offsets out of range, a type mismatch
 * on access).
 */
public class BadFormatException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public BadFormatException(String message) {
        super(message);
    }

    public BadFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
