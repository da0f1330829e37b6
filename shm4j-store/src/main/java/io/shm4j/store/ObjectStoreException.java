package io.shm4j.store;

import io.shm4j.Shm4jException;

/** A store operation failed; the message says why with {@code name=value} facts. */
public class ObjectStoreException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public ObjectStoreException(String message) {
        super(message);
    }

    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
