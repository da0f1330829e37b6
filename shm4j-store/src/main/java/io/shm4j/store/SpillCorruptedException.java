package io.shm4j.store;

import io.shm4j.BadFormatException;

/** A spill file does not hold what was spilled (bad header, truncated, checksum mismatch). */
public class SpillCorruptedException extends BadFormatException {
    private static final long serialVersionUID = 1L;

    public SpillCorruptedException(String message) {
        super(message);
    }
}
