package io.shm4j.pool;

/** Work was submitted to a pool that is closed or closing, or the pool was shut down under it. */
public class PoolClosedException extends PoolException {
    private static final long serialVersionUID = 1L;

    public PoolClosedException(String message) {
        super(message);
    }
}
