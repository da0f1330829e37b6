package io.shm4j.pool;

import io.shm4j.Shm4jException;

/** A failure of the worker pool: the root of the pool's exceptions. */
public class PoolException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public PoolException(String message) {
        super(message);
    }

    public PoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
