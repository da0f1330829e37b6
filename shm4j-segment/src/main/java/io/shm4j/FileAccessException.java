package io.shm4j;

/**
 * A file on disk could not be opened, read or written (no such file, permissions, a full disk):
 * the error of {@code open(Path)}, {@code save(Path)} and {@code copyOf(…, Path)} on arrays and
 * frames. The cause is the {@link java.io.IOException}.
 */
public class FileAccessException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public FileAccessException(String message, Throwable cause) {
        super(message, cause);
    }
}
