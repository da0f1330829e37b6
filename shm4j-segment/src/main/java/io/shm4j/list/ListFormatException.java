package io.shm4j.list;

import io.shm4j.BadFormatException;

/**
 * The bytes of a segment are not a {@code ShareableList} (a foreign or damaged segment: a
 * count, an offset or a format out of range).
 */
public class ListFormatException extends BadFormatException {
    private static final long serialVersionUID = 1L;

    public ListFormatException(String message) {
        super(message);
    }
}
