package io.shm4j;

/**
 * An index, row or range lies outside an array's shape or a frame's rows or columns: the one
 * bounds error of arrays and frames alike. The message names the index and the size.
 */
public class OutOfBoundsException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public OutOfBoundsException(String message) {
        super(message);
    }
}
