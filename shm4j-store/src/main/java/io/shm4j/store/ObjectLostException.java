package io.shm4j.store;

/**
 * The object a ref names is gone: evicted with no spill directory, or its store was closed by
 * its last process (objects live while their store has a live process).
 */
public class ObjectLostException extends ObjectStoreException {
    private static final long serialVersionUID = 1L;

    public ObjectLostException(String message) {
        super(message);
    }
}
