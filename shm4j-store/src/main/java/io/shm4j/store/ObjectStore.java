package io.shm4j.store;

import io.shm4j.segment.ShmDirectory;
import io.shm4j.store.internal.StoreClient;
import java.util.List;

/**
 * Immutable objects in shared memory, for every process on the host: {@link #put} a value,
 * send the {@link ObjectRef} to another process, {@link #get} it there — zero-copy for blobs.
 * Spec: {@code docs/store.md}.
 *
 * <p><b>Pins.</b> {@code put} and {@code get} each take one hold on the object in this
 * process; {@link #release} drops one; {@link #close} drops all of this handle's. While a live
 * process holds an object it stays in memory; a process that dies (even by {@code kill -9})
 * stops pinning at once. Values returned by {@code get} are valid until the last hold in this
 * process is released; afterwards access throws {@link IllegalStateException}, never crashes.
 *
 * <p><b>Capacity.</b> When a put does not fit, unpinned objects are spilled to disk (if the
 * store has a spill directory; restored transparently by the next {@code get}) or evicted,
 * least recently used first. {@link ObjectStoreFullException} only when pinned objects alone
 * leave no room.
 *
 * <p><b>Threading:</b> thread-safe. <b>Processes:</b> any number of processes may use one
 * store at once. <b>Ownership:</b> the caller closes the handle; the store's objects live
 * while any process has it open and are removed when the last one closes it.
 */
public interface ObjectStore extends AutoCloseable {

    /** Opens (creating if needed) a store. */
    static ObjectStore open(ObjectStoreConfig config) {
        return StoreClient.open(config);
    }

    /** Opens (creating if needed) the store {@code name} in the current shm directory. */
    static ObjectStore open(String name) {
        return open(ObjectStoreConfig.named(name));
    }

    /** The store's name. */
    String name();

    /** The capacity in bytes (fixed by the store's first opener). */
    long capacity();

    /**
     * Puts a value with the first codec that accepts it (the config's codecs, then
     * {@code blob} for {@link java.lang.foreign.MemorySegment}, {@code bytes} for
     * {@code byte[]}, {@code java} for {@link java.io.Serializable}). The object is pinned by
     * this process until released.
     *
     * @throws ObjectStoreFullException if pinned objects leave no room
     * @throws ObjectStoreException if no codec accepts the value
     */
    <T> ObjectRef<T> put(T value);

    /** Puts a value with a given codec (which this store must know, to get it back). */
    <T> ObjectRef<T> put(T value, ObjectCodec<T> codec);

    /**
     * The value of an object, pinning it in this process (one more hold). Restores a spilled
     * object first.
     *
     * @throws ObjectLostException if the object was evicted or its store closed
     * @throws SpillCorruptedException if its spill file is damaged
     */
    <T> T get(ObjectRef<T> ref);

    /** Whether the object is in memory or spilled (a snapshot). */
    boolean contains(ObjectRef<?> ref);

    /**
     * Drops one hold this handle has on the object; the last hold in this process unpins it
     * and unmaps it here. No effect if this handle holds none.
     */
    void release(ObjectRef<?> ref);

    /** Capacity, use and counters of this store. */
    StoreStats stats();

    /** The store's objects, in memory and spilled, by name. */
    List<StoredObject> objects();

    /** Releases this handle's holds; the last handle of the last process removes the store. Idempotent. */
    @Override
    void close();

    // ------------------------------------------------------------ inspection, for the CLI

    /** The stores present in a shm directory (open or abandoned), by name. */
    static List<String> storeNames(ShmDirectory dir) {
        return StoreClient.storeNames(dir);
    }

    /** Stats of a store without opening it (read-only; {@code shm4j store stats}). */
    static StoreStats stats(ShmDirectory dir, String name) {
        return StoreClient.inspectStats(dir, name);
    }

    /** Objects of a store without opening it (read-only; {@code shm4j ls}). */
    static List<StoredObject> objects(ShmDirectory dir, String name) {
        return StoreClient.inspectObjects(dir, name);
    }

    /**
     * Removes the stores whose every process died without closing them (objects, spill files,
     * bookkeeping); for {@code shm4j gc}. Stores with a live process are not touched.
     *
     * @return the names of the stores removed
     */
    static List<String> reclaimAbandoned(ShmDirectory dir) {
        return StoreClient.reclaimAbandoned(dir);
    }
}
