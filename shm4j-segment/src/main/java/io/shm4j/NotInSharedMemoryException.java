package io.shm4j;

/**
 * The operation needs a segment but the object was opened from a file on disk (for example
 * {@code ref()} of an array or frame from {@code open(Path)}). Copy it into shared memory with
 * {@code copyOf(options, path)} first.
 */
public class NotInSharedMemoryException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public NotInSharedMemoryException(String message) {
        super(message);
    }
}
