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
     * bookkeeping); for {@code shm4j gc}. Stores with a live process are not touched, nor stores
     * another process keeps locked for 2 s, nor links and other users' directories (see
     * {@link #sweep}, which also says what it skipped).
     *
     * @return the names of the stores removed
     */
    public static List<String> reclaimAbandoned(ShmDirectory dir) {
        return StoreClient.reclaimAbandoned(dir);
    }

    /**
     * Like {@link #reclaimAbandoned(ShmDirectory)}, for {@code shm4j gc}: waits at most
     * {@code lockWait} for each store's lock (a store held longer by another process is skipped as
     * busy), and skips — never follows, never stops at — store directories that are links, files,
     * other users' or damaged. Whatever is skipped is reported with the reason.
     *
     * @param dir the shm directory
     * @param lockWait how long to wait for each store's lock
     * @return the stores removed and those skipped, with the reason
     */
    public static StoreSweep sweep(ShmDirectory dir, java.time.Duration lockWait) {
        return StoreClient.reclaimAbandoned(dir, lockWait);
    }

    /**
     * Entries named like a store's directory that shm4j does not use or touch (a link, a file,
     * another user's directory), with the reason; {@link #storeNames} leaves them out.
     *
     * @param dir the shm directory
     * @return entry name to reason
     */
    public static java.util.Map<String, String> unusableStores(ShmDirectory dir) {
        return StoreClient.unusableStores(dir);
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
