package io.shm4j;

/**
 * Root of every exception shm4j throws. Messages state the facts as {@code name=value} pairs
 * and say what to do next.
 */
public class Shm4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Shm4jException(String message) {
        super(message);
    }

    public Shm4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
