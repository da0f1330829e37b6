package io.shm4j.frame;

import io.shm4j.Shm4jException;

/** No column has the requested name or position; the message lists the columns there are. */
public class NoSuchColumnException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public NoSuchColumnException(String message) {
        super(message);
    }
}
