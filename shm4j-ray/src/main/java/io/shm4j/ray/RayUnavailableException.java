package io.shm4j.ray;

import io.shm4j.pool.PoolException;

/**
 * A Ray pool could not start: Ray's Java API is missing, is not the cluster's version, or the
 * cluster cannot be reached. The message names the facts ({@code address=}, {@code jar=},
 * {@code python=}) and what to do next.
 */
public class RayUnavailableException extends PoolException {
    private static final long serialVersionUID = 1L;

    /** An exception with {@code message}. */
    public RayUnavailableException(String message) {
        super(message);
    }

    /** An exception with {@code message} and the failure behind it. */
    public RayUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
