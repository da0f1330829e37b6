package io.shm4j.list;

import io.shm4j.Shm4jException;

/**
 * An item of a {@link SharedList} cannot be written or read as asked: the value does not fit
 * the item's slot (a string or byte string longer than the bytes allocated at creation), is of
 * a type a {@code ShareableList} cannot hold, or ends in NUL characters that a reader would
 * strip; or the item is read as a type it does not hold ({@code getLong} of a string). Nothing
 * was written.
 */
public class ListItemException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public ListItemException(String message) {
        super(message);
    }
}
