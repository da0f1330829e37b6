package io.shm4j.store;

import io.shm4j.segment.ShmDirectory;
import io.shm4j.store.internal.StoreClient;
import java.util.List;

/**
 * Administration of the object stores of a shm directory, without opening one (what
 * {@code shm4j ls}, {@code shm4j store stats} and {@code shm4j gc} use): listing, read-only
 * inspection and reclaiming stores whose every process died. The handle calls of one open store
 * stay on {@link ObjectStore}. Stateless, thread-safe.
 */
public final class StoreAdmin {
    private StoreAdmin() {}


    /** The stores present in a shm directory (open or abandoned), by name. */
    public static List<String> storeNames(ShmDirectory dir) {
        return StoreClient.storeNames(dir);
    }

    /** Stats of a store without opening it (read-only; {@code shm4j store stats}). */
    public static StoreStats stats(ShmDirectory dir, String name) {
        return StoreClient.inspectStats(dir, name);
    }

    /** Objects of a store without opening it (read-only; {@code shm4j ls}). */
    public static List<StoredObject> objects(ShmDirectory dir, String name) {
        return StoreClient.inspectObjects(dir, name);
    }

    /**
     * Removes the stores whose every process died without closing them (objects, spill files,
     * bookkeeping); for {@code shm4j gc}. Stores with a live process are not touched.
     *
     * @return the names of the stores removed
     */
    public static List<String> reclaimAbandoned(ShmDirectory dir) {
        return StoreClient.reclaimAbandoned(dir);
    }

    /**
     * The stores {@link #reclaimAbandoned} would remove now — every process that had them open
     * is dead — without removing anything; for {@code shm4j gc --dry-run}. Read-only: takes no
     * lock, so a store that a process opens meanwhile may still be listed.
     *
     * @return the names of the abandoned stores
     */
    public static List<String> abandoned(ShmDirectory dir) {
        return StoreClient.abandoned(dir);
    }
}
