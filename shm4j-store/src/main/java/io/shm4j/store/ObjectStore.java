package io.shm4j.store;

import io.shm4j.segment.ShmDirectory;
import io.shm4j.store.internal.StoreClient;
import java.util.List;

/**
 * Immutable objects in shared memory, for every process on the host: {@link #put} a value,
 * send the {@link ObjectRef} to another process, {@link #get} it there — zero-copy for blobs
 * ({@link java.lang.foreign.MemorySegment}), arrays ({@link io.shm4j.array.SharedArray}, stored
 * as {@code .npy}) and frames ({@link io.shm4j.frame.SharedFrame}, stored as Arrow IPC files).
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
     * {@code byte[]}, {@code npy} for {@link io.shm4j.array.SharedArray}, {@code arrow} for
     * {@link io.shm4j.frame.SharedFrame}, {@code java} for {@link java.io.Serializable}). The
     * value is copied once, into the object; the object is pinned by this process until released.
     *
     * @throws ObjectStoreFullException if pinned objects leave no room
     * @throws ObjectStoreException if no codec accepts the value
     */
    <T> ObjectRef<T> put(T value);

    /** Puts a value with a given codec (which this store must know, to get it back). */
    <T> ObjectRef<T> put(T value, ObjectCodec<T> codec);

    /**
     * Puts a value pinned by another live process instead of this one: how a task hands its
     * result to the process that submitted it ({@code pinner}, the task's caller). This
     * process keeps no hold and no mapping. The pinner's first {@link #get} takes the pin over
     * as its hold (released as usual); a {@link #release} there without a get drops it; else it
     * lasts until the pinner closes the store or dies. With {@code pinner} this process, the
     * pin is such a loose hold here.
     */
    <T> ObjectRef<T> putFor(T value, io.shm4j.segment.ProcessIdentity pinner);

    /**
     * Puts a Java primitive array as a 1-d {@code .npy} array, its type inferred
     * ({@code double[]} → float64, {@code float[]} → float32, {@code long[]} → int64, {@code int[]}
     * → int32, {@code short[]} → int16, {@code byte[]} → int8, {@code boolean[]} → bool);
     * {@code get} returns a {@link io.shm4j.array.SharedArray} over the object, zero-copy.
     * (A {@code byte[]} given to {@link #put(Object)} is stored as bytes, other primitive arrays
     * as Java objects: use this method for arrays.)
     */
    default ObjectRef<io.shm4j.array.SharedArray> putArray(Object javaArray) {
        return putArray(null, null, javaArray);
    }

    /**
     * Puts a Java primitive array as a {@code .npy} array of {@code dtype} and {@code shape}, in C
     * order (as {@link io.shm4j.array.SharedArray#copyOf(io.shm4j.segment.ShmOptions,
     * io.shm4j.array.DType, long[], Object)} would, without making a segment first).
     *
     * @param dtype the element type, or null to infer it
     * @param shape the shape, or null for 1-d
     * @throws io.shm4j.array.DTypeMismatchException if the Java array's width does not fit {@code dtype}
     * @throws io.shm4j.array.ShapeException if its length is not the shape's element count
     */
    ObjectRef<io.shm4j.array.SharedArray> putArray(io.shm4j.array.DType dtype, long[] shape, Object javaArray);

    /**
     * The value of an object. Restores a spilled object first. One rule for what comes back:
     * <ul>
     * <li>a <b>borrowed view</b> — arrays, frames and blobs: non-owning views of this process's one
     * mapping of the object (closing them is harmless). The get takes one hold (pin) in this
     * process; the view is valid until the last hold here is {@linkplain #release released};
     * <li>a <b>copy</b> — codecs that {@linkplain ObjectCodec#decodesToCopy() decode to a copy}
     * ({@code bytes}, {@code java}): the get leaves no hold behind.
     * </ul>
     *
     * @throws ObjectLostException if the object was evicted or its store closed
     * @throws SpillCorruptedException if its spill file is damaged
     */
    <T> T get(ObjectRef<T> ref);

    /** Whether the object is in memory or spilled (a snapshot). */
    boolean contains(ObjectRef<?> ref);

    /**
     * Drops one hold this handle has on the object; the last hold in this process unpins it
     * and unmaps it here. If this handle holds none: drops the pin a {@link #putFor} gave this
     * process and no get took over yet; else no effect.
     */
    void release(ObjectRef<?> ref);

    /** Capacity, use and counters of this store. */
    StoreStats stats();

    /** The store's objects, in memory and spilled, by name. */
    List<StoredObject> objects();

    /** Releases this handle's holds; the last handle of the last process removes the store. Idempotent. */
    @Override
    void close();
}
