package io.shm4j.store;

/**
 * A put (or a restore) does not fit even after every unpinned object was evicted or spilled:
 * pinned objects alone leave no room.
 */
public class ObjectStoreFullException extends ObjectStoreException {
    private static final long serialVersionUID = 1L;
    private final long requested;
    private final long capacity;
    private final long pinned;
    private final long used;

    public ObjectStoreFullException(String store, long requested, long capacity, long pinned, long used) {
        super("object store full: store=" + store + ", requested=" + requested + " bytes, capacity="
                + capacity + " bytes, pinned=" + pinned + " bytes, used=" + used
                + " bytes; release objects you no longer need (release(ref) or close the store"
                + " in the processes that pin them) or open the store with a larger capacity");
        this.requested = requested;
        this.capacity = capacity;
        this.pinned = pinned;
        this.used = used;
    }

    /** Bytes the put needed. */
    public long requested() {
        return requested;
    }

    /** The store's capacity. */
    public long capacity() {
        return capacity;
    }

    /** Bytes pinned by live processes (and reserved by puts in progress). */
    public long pinned() {
        return pinned;
    }

    /** Bytes in memory (and reserved) when the put gave up. */
    public long used() {
        return used;
    }
}
