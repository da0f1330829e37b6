package io.shm4j.frame;

import io.shm4j.BadFormatException;

/**
 * A column was asked for as a type it does not have (for example {@code doubles("name")} on a
 * string column). The message names the column, its type and the view that fits.
 */
public class ColumnTypeException extends BadFormatException {
    private static final long serialVersionUID = 1L;

    public ColumnTypeException(String message) {
        super(message);
    }
}
