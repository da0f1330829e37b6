package io.shm4j.pool;

/**
 * A task, function or argument cannot be serialized, so it cannot be sent to a worker. Thrown
 * by {@code submit}/{@code map} before anything is sent. The usual cause is a lambda capturing
 * a non-serializable object (often {@code this}); capture refs and plain values instead.
 */
public class TaskNotSerializableException extends PoolException {
    private static final long serialVersionUID = 1L;

    public TaskNotSerializableException(String message, Throwable cause) {
        super(message, cause);
    }
}
