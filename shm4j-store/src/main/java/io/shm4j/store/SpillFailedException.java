package io.shm4j.store;

import java.nio.file.Path;

/**
 * An unpinned object could not be spilled to make room (the spill directory is full, or not
 * writable). The object stays in memory, listed and readable as before; the operation that
 * needed the room (a put or a restore) fails.
 */
public class SpillFailedException extends ObjectStoreException {
    private static final long serialVersionUID = 1L;
    private final transient Path spillDirectory;
    private final long free;
    private final long size;

    public SpillFailedException(String store, String object, Path spillDirectory, long free, long size,
            Throwable cause) {
        super("cannot spill an object to make room: store=" + store + ", object=" + object + ", size=" + size
                + " bytes, spillDir=" + spillDirectory + ", free=" + (free < 0 ? "unknown" : free + " bytes")
                + ", error=" + cause + "; the object stays in memory. Free space in the spill directory,"
                + " open the store with a spill directory on a larger disk, release objects you no longer"
                + " need, or give the store more capacity", cause);
        this.spillDirectory = spillDirectory;
        this.free = free;
        this.size = size;
    }

    /** The store's spill directory. */
    public Path spillDirectory() {
        return spillDirectory;
    }

    /** Usable bytes in the spill directory when the spill failed, or -1 if unknown. */
    public long free() {
        return free;
    }

    /** Bytes of the object that could not be spilled. */
    public long size() {
        return size;
    }
}
