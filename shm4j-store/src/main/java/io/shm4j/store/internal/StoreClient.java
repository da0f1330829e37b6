package io.shm4j.store.internal;

import io.shm4j.store.StoreAdmin;
import io.shm4j.Settings;
import io.shm4j.segment.Access;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.NoSuchSegmentException;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentSpec;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.store.MappedCodec;
import io.shm4j.store.ObjectCodec;
import io.shm4j.store.ObjectLostException;
import io.shm4j.store.ObjectRef;
import io.shm4j.store.ObjectStore;
import io.shm4j.store.ObjectStoreConfig;
import io.shm4j.store.ObjectStoreException;
import io.shm4j.store.ObjectStoreFullException;
import io.shm4j.store.SpillFailedException;
import io.shm4j.store.StoreStats;
import io.shm4j.store.StoreSweep;
import io.shm4j.store.StoredObject;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One process's connection to one store: the lock, the mapped state, this process's
 * membership, and its pins (one {@code user.shm4j.pin.PID.START} attribute per pinned object,
 * with a count of holds across all handles, and the mapping those holds share). Every
 * {@link ObjectStore} handle of the store in this JVM shares it; the last handle's close
 * disconnects (and, if this was the store's last live process, removes the store).
 *
 * <p>Thread-safe: the registry is guarded by its own monitor, pins by per-key atomic map
 * operations, cross-process decisions by the {@link StoreLock}. Lock order: a pin's map entry,
 * then the store lock (never the reverse).
 *
 * <p>Internal: reached through {@link ObjectStore}'s static methods.
 */
public final class StoreClient {
    private static final Map<String, StoreClient> CLIENTS = new HashMap<>(); // guarded by itself
    private static final ProcessIdentity SELF = ProcessIdentity.current();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** System property: {@code false} turns page-stock recycling off (measurement, diagnosis). */
    static final String RECYCLE_PROPERTY = "shm4j.store.recycle";
    /** Smaller victims are removed: below this, fresh pages cost less than the extra calls. */
    static final long RECYCLE_MIN_BYTES = 1 << 20;
    private static boolean hookInstalled; // guarded by CLIENTS
    /**
     * One lock per store directory, held while this JVM connects to, disconnects from or
     * reclaims that store — the waits on another process's file lock happen under it, never
     * under the JVM-wide {@link #CLIENTS} monitor, so a store held elsewhere never blocks the
     * others. Also keeps a reclaim from opening (and, closing, unlocking) the lock file of a
     * store a thread here is connecting to.
     */
    private static final Map<String, java.util.concurrent.locks.ReentrantLock> STORE_LOCKS = new ConcurrentHashMap<>();

    private final String key;
    private final StorePaths paths;
    private final StoreLock lock;
    private final Arena stateArena;
    private final StoreState state;
    private final long capacity;
    private final Path spillRoot;
    /**
     * Whether puts of the built-in codecs write through the object's file ({@code pwrite}) rather
     * than its mapping; {@code -Dshm4j.store.kernelWrites=false} turns it off (for comparison).
     */
    static final String KERNEL_WRITES_PROPERTY = "shm4j.store.kernelWrites";
    private final boolean kernelWrites = Boolean.parseBoolean(System.getProperty(KERNEL_WRITES_PROPERTY, "true").trim());
    private final boolean recycle = Boolean.parseBoolean(System.getProperty(RECYCLE_PROPERTY, "true").trim());
    private final boolean keepMappings = !"false".equalsIgnoreCase(System.getProperty(WarmStock.PROPERTY, "true").trim());
    private final ConcurrentHashMap<String, Pin> pins = new ConcurrentHashMap<>();
    private final Set<ShmObjectStore> handles = new HashSet<>(); // guarded by CLIENTS
    /** Kept writable mappings of objects this process wrote, for puts into their pages later. */
    private final WarmStock warm;
    /** Frees dropped objects' pages off the lock holder's thread. */
    private final Reclaimer reclaimer = new Reclaimer();

    /**
     * This process's pin on one object: the shared mapping, the value a {@link MappedCodec}
     * made over it (which then owns the mapping), and the number of holds. A <i>loose</i> hold
     * is one that {@link #put} made for this process on behalf of nobody in particular
     * ({@code putFor}): the next get takes it over instead of adding one, and a release by a
     * handle that holds nothing drops it.
     */
    private static final class Pin {
        volatile Segment segment; // written under the map entry; replaced if a value's owner closed it
        AutoCloseable value; // guarded by this
        int holds = 1; // guarded by the map entry
        boolean loose; // guarded by the map entry

        Pin(Segment segment, boolean loose) {
            this.segment = segment;
            this.loose = loose;
        }

        /** Unmaps: the value (which owns the mapping), then the mapping itself. */
        void close() {
            AutoCloseable v;
            synchronized (this) {
                v = value;
                value = null;
            }
            try {
                if (v != null) {
                    v.close();
                }
            } catch (Exception e) {
                // the segment is closed below anyway
            } finally {
                segment.close();
            }
        }
    }

    private StoreClient(String key, StorePaths paths, StoreLock lock, Arena stateArena, StoreState state) {
        this.key = key;
        this.paths = paths;
        this.lock = lock;
        this.stateArena = stateArena;
        this.state = state;
        this.capacity = state.capacity();
        this.spillRoot = state.spillDirectory();
        this.warm = new WarmStock(paths::object, lock::runIfIdleHere);
    }

    // ------------------------------------------------------------------ open and close

    /** Opens a handle on a store, connecting this process to it if needed. */
    public static ObjectStore open(ObjectStoreConfig config) {
        StorePaths paths = new StorePaths(ShmDirectory.of(realDirectory(config.shmDirectory())), config.name());
        String key = paths.dir().toString();
        java.util.concurrent.locks.ReentrantLock storeLock = storeLock(key);
        storeLock.lock();
        try {
            StoreClient c;
            synchronized (CLIENTS) {
                c = CLIENTS.get(key);
            }
            if (c == null) {
                c = connect(key, paths, config); // may wait for another process: no monitor held
                synchronized (CLIENTS) {
                    CLIENTS.put(key, c);
                    installHook();
                }
            }
            synchronized (CLIENTS) {
                ShmObjectStore handle = new ShmObjectStore(c, config.codecs());
                c.handles.add(handle);
                return handle;
            }
        } finally {
            storeLock.unlock();
        }
    }

    private static java.util.concurrent.locks.ReentrantLock storeLock(String key) {
        return STORE_LOCKS.computeIfAbsent(key, k -> new java.util.concurrent.locks.ReentrantLock());
    }

    private static StoreClient connect(String key, StorePaths paths, ObjectStoreConfig config) {
        StoreLock lock = StoreLock.openLocked(paths);
        Arena arena = Arena.ofShared();
        StoreClient client;
        try {
            Files.createDirectories(paths.members());
            Files.createDirectories(paths.pending());
            Files.createDirectories(paths.evicting());
            Files.createDirectories(paths.spilling());
            StoreScan scan = new StoreScan(paths);
            Path oldSpill = StoreState.read(paths.state(), paths.store()).map(StoreState::spillDirectory).orElse(null);
            Housekeeping.removeDeadMembers(paths, scan, oldSpill);
            StoreState state;
            if (scan.members().isEmpty()) {
                // First process: whatever is here belongs to a store whose processes all died.
                Housekeeping.wipe(paths, oldSpill);
                long capacity = config.capacity() > 0 ? config.capacity()
                        : paths.shm().totalBytes() / 100 * ObjectStoreConfig.DEFAULT_CAPACITY_PERCENT;
                Path spill = config.spillDirectory() == null ? null
                        : config.spillDirectory().toAbsolutePath().normalize();
                if (spill != null) {
                    Files.createDirectories(paths.spillDir(spill));
                }
                state = StoreState.create(paths.state(), capacity, spill, arena);
            } else {
                state = StoreState.map(paths.state(), paths.store(), arena);
            }
            Files.write(paths.member(SELF), new byte[0]);
            client = new StoreClient(key, paths, lock, arena, state);
        } catch (IOException e) {
            abandon(lock, arena);
            throw new ObjectStoreException("cannot open store: store=" + paths.store() + ", dir="
                    + paths.dir() + ", error=" + e + "; check the shm and spill directories", e);
        } catch (RuntimeException | Error e) {
            abandon(lock, arena);
            throw e;
        }
        lock.release();
        if (client.spillRoot != null) {
            try {
                Files.createDirectories(paths.spillDir(client.spillRoot));
            } catch (IOException e) {
                client.disconnectQuietly();
                throw new ObjectStoreException("cannot create spill directory: dir="
                        + paths.spillDir(client.spillRoot) + ", error=" + e, e);
            }
        }
        return client;
    }

    private static void abandon(StoreLock lock, Arena arena) {
        arena.close();
        lock.release();
        lock.close();
    }

    /** Called by a handle's close: the last handle disconnects this process. */
    void closed(ShmObjectStore handle) {
        java.util.concurrent.locks.ReentrantLock storeLock = storeLock(key);
        storeLock.lock();
        try {
            boolean last;
            synchronized (CLIENTS) {
                last = handles.remove(handle) && handles.isEmpty();
                if (last) {
                    CLIENTS.remove(key);
                }
            }
            if (last) {
                disconnect(); // may wait for another process: no monitor held
            }
        } finally {
            storeLock.unlock();
        }
    }

    private void disconnectQuietly() {
        try {
            disconnect();
        } catch (RuntimeException ignored) {
            // already failing
        }
    }

    private void disconnect() {
        for (String name : List.copyOf(pins.keySet())) {
            release(name, Integer.MAX_VALUE);
        }
        warm.close();
        reclaimer.close();
        try (StoreLock.Held _ = lock.acquire()) {
            StoreScan.deleteQuietly(paths.member(SELF));
            StoreScan scan = new StoreScan(paths);
            for (StoreScan.Resident r : scan.residents(scan.reservations(false), false)) {
                if (r.pins().contains(SELF)) { // pins other processes gave this one (putFor), never taken
                    ObjectXattrs.unpin(paths.object(r.name()), SELF);
                }
            }
            Housekeeping.removeDeadMembers(paths, scan, spillRoot);
            if (scan.members().isEmpty()) {
                Housekeeping.destroy(paths, lock, spillRoot);
            }
        } catch (IOException e) {
            throw new ObjectStoreException("cannot close store: store=" + paths.store() + ", error=" + e, e);
        } finally {
            stateArena.close();
            lock.close();
        }
    }

    private static void installHook() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(StoreClient::closeAll, "shm4j-object-store-close"));
            hookInstalled = true;
        }
    }

    private static void closeAll() {
        List<ShmObjectStore> all = new ArrayList<>();
        synchronized (CLIENTS) {
            for (StoreClient c : CLIENTS.values()) {
                all.addAll(c.handles);
            }
        }
        for (ShmObjectStore h : all) {
            try {
                h.close();
            } catch (RuntimeException ignored) {
                // exiting: the next opener or `shm4j gc` finishes the job
            }
        }
    }

    private static Path realDirectory(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            throw new ObjectStoreException("shm directory does not exist: dir=" + dir + ", error=" + e
                    + "; create it or point " + Settings.DIR_PROPERTY + " at a tmpfs such as /dev/shm", e);
        }
    }

    // ------------------------------------------------------------------ accessors

    String store() {
        return paths.store();
    }

    long capacity() {
        return capacity;
    }

    Path spillRoot() {
        return spillRoot;
    }

    // ------------------------------------------------------------------ put

    /**
     * Writes a new object pinned by {@code pinner}; see docs/store.md, "put". For this process
     * the pin is one hold (loose if {@code loose}); for another, its pin attribute only (this
     * process keeps no mapping).
     */
    <T> ObjectRef<T> put(ObjectCodec.Encoded encoded, String codecId, ProcessIdentity pinner, boolean loose,
            boolean fillsEveryByte) {
        long size = encoded.size();
        if (size < 0) {
            throw new IllegalArgumentException("codec returned a negative size: codec=" + codecId + ", size=" + size);
        }
        byte[] idBytes = new byte[16];
        RANDOM.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        String name = paths.objectName(id);
        long generation = RANDOM.nextLong() | 1;
        Path reservation = paths.reservation(SELF, id, size);
        SegmentSpec spec = objectSpec(size, name);
        Recycled recycled = null;
        try (StoreLock.Held _ = lock.acquire()) {
            recover();
            recycled = recycle(spec, makeRoom(size));
            Files.write(reservation, new byte[0]);
        } catch (IOException e) {
            closeQuietly(recycled);
            throw failure("put", name, e);
        } catch (RuntimeException | Error e) {
            closeQuietly(recycled);
            throw e;
        }
        Segment segment;
        try {
            PendingSegment pending = recycled != null ? recycled.pending() : reserveFresh(spec);
            java.util.BitSet touched = recycled != null ? recycled.touched() : new java.util.BitSet();
            try {
                if (encoded instanceof FileEncoded viaFile && kernelWrites) {
                    if (recycled != null && recycled.warm()) {
                        KeptWrites.write(viaFile, pending, touched); // copies where mapped, pwrite elsewhere
                    } else {
                        viaFile.writeThrough(pending); // every byte, by the kernel: no page faults here
                    }
                } else {
                    pending.prefault(); // written in full next: map every page in one call
                    if (pending.recycled() && !fillsEveryByte) {
                        pending.memory().fill((byte) 0); // a codec of unknown habits sees zeros, as on fresh pages
                    }
                    encoded.writeTo(pending.memory());
                    touched.set(0, (int) ((size + KeptWrites.CHUNK - 1) / KeptWrites.CHUNK)); // written through the mapping
                }
                segment = publish(pending, name, touched);
            } catch (RuntimeException | Error e) {
                pending.close();
                throw e;
            }
            Path path = paths.object(name);
            try {
                ObjectXattrs.writeMetadata(path, new ObjectXattrs.Metadata(paths.store(), generation, codecId));
                ObjectXattrs.pin(path, pinner);
                touch(path);
            } catch (IOException | RuntimeException e) {
                segment.close();
                StoreScan.deleteQuietly(path);
                throw e instanceof IOException io ? failure("put", name, io) : (RuntimeException) e;
            }
        } finally {
            StoreScan.deleteQuietly(reservation);
        }
        if (pinner.equals(SELF)) {
            pins.put(name, new Pin(segment, loose));
        } else {
            segment.close(); // the pin (and the object) now belong to the pinner
        }
        return new ObjectRef<>(paths.store(), name, generation, size, codecId);
    }

    private static void closeQuietly(PendingSegment p) {
        if (p != null) {
            p.close();
        }
    }

    private static void closeQuietly(Recycled r) {
        if (r != null) {
            r.pending().close();
        }
    }

    /**
     * Publishes, keeping the writable mapping for a later put into the same pages (see
     * {@link WarmStock}) if the object is large enough to be page stock.
     */
    private Segment publish(PendingSegment pending, String name, java.util.BitSet touched) {
        if (!keepMappings || !recycle || !kernelWrites || pending.size() < RECYCLE_MIN_BYTES) {
            return pending.publish();
        }
        io.shm4j.segment.KeptMapping.Published p = pending.publishKeepingMapping();
        if (p.kept() != null) {
            warm.keep(name, p.kept(), touched, pending.recycled());
        }
        return p.segment();
    }

    /**
     * Page stock ready to write: the pending segment over a dropped victim's pages, whether its
     * mapping is one this process kept (then {@code touched} says which chunks of it were
     * written through it before), else a fresh mapping.
     */
    private record Recycled(PendingSegment pending, boolean warm, java.util.BitSet touched) {}

    private static SegmentSpec objectSpec(long size, String name) {
        return new SegmentSpec(size, name, SegmentKind.OBJECT, Lifetime.PERSISTENT, SELF, SegmentSpec.DEFAULT_MODE,
                false, Settings.hugePages());
    }

    /**
     * Frees unpinned objects, least recently used first, until {@code requested} bytes fit.
     * Called under the lock, which it lets go of while spill files are written (see
     * {@link #spillOutsideLock}); it holds the lock again when it returns. Returns one dropped
     * victim's file, left in {@code evicting/} as page stock for the caller to {@link #recycle}
     * at once (the first at least {@code requested} bytes large, else the largest), or null if
     * nothing was dropped.
     */
    private Path makeRoom(long requested) throws IOException {
        warm.reap(); // kept mappings of objects others dropped: their memory goes now
        Stock kept = new Stock(requested);
        try {
            for (int round = 0; ; round++) {
                StoreScan scan = new StoreScan(paths);
                Map<String, Long> reservations = scan.reservations(true);
                List<StoreScan.Resident> residents = scan.residents(reservations, true);
                CapacityPlanner.Plan plan = CapacityPlanner.plan(paths.store(), capacity, requested,
                        residents.stream().map(StoreScan.Resident::candidate).toList(),
                        StoreScan.unpublished(reservations, residents));
                long used = plan.used();
                List<Spilling> spills = new ArrayList<>();
                for (CapacityPlanner.Candidate victim : plan.victims()) {
                    warm.stopTouching(victim.name());
                    if (needsSpillFile(victim.name())) {
                        Spilling s = markForSpill(victim.name());
                        if (s != null) {
                            spills.add(s);
                        }
                        continue;
                    }
                    boolean wanted = kept.wants(victim.size());
                    long freed = evict(victim.name(), wanted);
                    used -= freed;
                    if (wanted && freed > 0) {
                        kept.offer(paths.evicting().resolve(victim.name()), freed);
                    }
                }
                if (!spills.isEmpty()) {
                    kept.drop(); // nothing of ours stays in evicting/ while the lock is let go
                    used = -1; // others put and free meanwhile: plan again
                    spillOutsideLock(spills, kept);
                }
                if (used >= 0 && CapacityPlanner.fits(used, requested, capacity)) {
                    return kept.take();
                }
                if (round >= 8 && used >= 0) { // victims keep being pinned while we evict: give up with the facts
                    throw new ObjectStoreFullException(paths.store(), requested, capacity, plan.pinned(), used);
                }
                if (round >= 64) {
                    throw new ObjectStoreFullException(paths.store(), requested, capacity, plan.pinned(), plan.used());
                }
            }
        } finally {
            kept.drop();
        }
    }

    /** The victim kept as page stock by {@link #makeRoom}: a file in {@code evicting/}, under the lock. */
    private final class Stock {
        private final long requested;
        private Path file;
        private long size = -1;

        Stock(long requested) {
            this.requested = requested;
        }

        /**
         * Whether to keep a victim of {@code victimSize} bytes: the largest so far until one holds
         * {@code requested}, never one more than twice that (cutting a large file down to a small
         * object frees most of its pages on the caller's thread, under the lock: dropping it and
         * taking fresh pages costs the put less).
         */
        boolean wants(long victimSize) {
            return recycle && victimSize >= RECYCLE_MIN_BYTES && size < requested && victimSize > size
                    && victimSize / 2 <= requested;
        }

        void offer(Path hidden, long bytes) throws IOException {
            if (!Files.exists(hidden, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            if (file != null) {
                StoreClient.this.drop(file);
            }
            file = hidden;
            size = bytes;
        }

        Path take() {
            Path out = file;
            file = null;
            size = -1;
            return out;
        }

        void drop() {
            if (file != null) {
                dropQuietly(file);
            }
            file = null;
            size = -1;
        }
    }

    /**
     * Removes a dropped object's file (in {@code spilling/} or {@code evicting/}, under the lock)
     * and has its pages freed in the background, with this process's kept mapping of it.
     */
    private void drop(Path file) throws IOException {
        WarmStock.Entry kept = warm.take(file.getFileName().toString());
        reclaimer.drop(file, kept == null ? null : kept.kept());
    }

    private void dropQuietly(Path file) {
        try {
            drop(file);
        } catch (IOException | RuntimeException e) {
            StoreScan.deleteQuietly(file);
        }
    }

    /**
     * Fresh pages for {@code spec}; if the shared memory directory is full while dropped objects'
     * pages are still being freed in the background, waits for that and tries once more.
     */
    private PendingSegment reserveFresh(SegmentSpec spec) {
        long freed = reclaimer.freed();
        try {
            return paths.shm().reserve(spec);
        } catch (io.shm4j.segment.OutOfSharedMemoryException e) {
            if (reclaimer.awaitIdle() == freed) {
                throw e; // nothing was given back meanwhile: truly full
            }
            return paths.shm().reserve(spec);
        }
    }

    /** Whether freeing {@code name} means writing its spill file (a spill directory, no spill file yet). */
    private boolean needsSpillFile(String name) {
        return spillRoot != null && !Files.exists(paths.spillFile(spillRoot, name), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * An object in {@code spilling/} whose spill file this process writes outside the lock.
     *
     * @param name the object's name
     * @param mark this process's reservation under the object's id: keeps its bytes counted and
     *     tells lock holders that a live process is spilling it
     * @param size its size
     * @param metadata its store metadata
     */
    private record Spilling(String name, Path mark, long size, ObjectXattrs.Metadata metadata) {}

    /**
     * First half of a spill, under the lock: moves the object into {@code spilling/} (atomic; new
     * gets miss and take the lock, where they take it back), re-reads its pins (put back if a live
     * process pinned it meanwhile) and records this process's mark. Null if not to be spilled.
     */
    private Spilling markForSpill(String name) throws IOException {
        Path at = paths.spilling().resolve(name);
        try {
            Files.move(paths.object(name), at, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return null;
        }
        ObjectXattrs.Attributes attrs = ObjectXattrs.read(at);
        StoreScan scan = new StoreScan(paths);
        if (attrs.metadata() == null || attrs.pinners().stream().anyMatch(scan::mayBeAlive)) {
            Files.move(at, paths.object(name), StandardCopyOption.ATOMIC_MOVE);
            return null;
        }
        long size = Files.size(at);
        Path mark = paths.reservation(SELF, paths.objectId(name).orElseThrow(), size);
        try {
            Files.write(mark, new byte[0]);
        } catch (IOException | RuntimeException e) {
            Files.move(at, paths.object(name), StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        return new Spilling(name, mark, size, attrs.metadata());
    }

    /**
     * Writes the spill files of {@code spills} with the lock let go (other processes and threads
     * put, get and spill meanwhile), then, under the lock again, drops each object whose file
     * was written and is still in {@code spilling/} (a get may have taken it back: then it stays,
     * and its spill file with it), offering it to {@code kept} as page stock. A spill that fails
     * puts its object back and raises {@link SpillFailedException} once all are settled.
     */
    private void spillOutsideLock(List<Spilling> spills, Stock kept) throws IOException {
        Map<Spilling, Throwable> failed = new HashMap<>();
        java.util.Set<Spilling> takenBack = new java.util.HashSet<>();
        unlocked(() -> {
            for (Spilling s : spills) {
                Path at = paths.spilling().resolve(s.name());
                FileChannel opened;
                try {
                    TestHooks.unlockedIo("spill-open " + s.name());
                    opened = FileChannel.open(at, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException gone) {
                    takenBack.add(s); // a get took it back before its spill began: nothing to write
                    continue;
                } catch (IOException | RuntimeException e) {
                    failed.put(s, e);
                    continue;
                }
                try (FileChannel ch = opened) {
                    TestHooks.unlockedIo("spill " + s.name());
                    SpillFiles.write(paths.spillFile(spillRoot, s.name()), paths.spillTemp(spillRoot, SELF, s.name()),
                            ch, s.size(), s.metadata());
                } catch (IOException | RuntimeException e) {
                    failed.put(s, e);
                }
            }
            return null;
        });
        SpillFailedException failure = null;
        for (Spilling s : spills) {
            Path at = paths.spilling().resolve(s.name());
            try {
                Throwable e = failed.get(s);
                if (e != null) {
                    try {
                        Files.move(at, paths.object(s.name()), StandardCopyOption.ATOMIC_MOVE);
                    } catch (NoSuchFileException gone) {
                        // a get took it back already
                    }
                    if (failure == null) {
                        failure = new SpillFailedException(paths.store(), s.name(), spillRoot,
                                usableSpace(spillRoot), s.size(), e);
                    }
                    continue;
                }
                if (takenBack.contains(s)) {
                    continue; // in memory again, without a spill file
                }
                state.add(StoreStateLayout.SPILLED_BYTES_OFFSET, s.size());
                if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
                    continue; // taken back by a get: in memory again, with its spill file
                }
                state.add(StoreStateLayout.SPILLS_OFFSET, 1);
                if (kept.wants(s.size())) {
                    Path hidden = paths.evicting().resolve(s.name());
                    Files.move(at, hidden, StandardCopyOption.ATOMIC_MOVE);
                    kept.offer(hidden, s.size());
                } else {
                    drop(at);
                }
            } finally {
                StoreScan.deleteQuietly(s.mark());
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** I/O done with the store lock let go. */
    private interface UnlockedIo<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code io} without the store lock and takes it again (the caller holds it once, as
     * every put and get does; held more than once, the lock is kept: nothing is let go that an
     * outer caller relies on).
     */
    private <T> T unlocked(UnlockedIo<T> io) throws IOException {
        if (!lock.isHeldOnceByCurrentThread()) {
            return io.run();
        }
        lock.release();
        try {
            return io.run();
        } finally {
            lock.acquire();
        }
    }

    /**
     * A pending segment over {@code stock}'s pages (a dropped victim in {@code evicting/}), or
     * null (then the stock is removed and the caller reserves fresh pages). Under the lock, so no
     * crash recovery mistakes the stock for an interrupted eviction. The segment layer takes the
     * file only if nobody else has it open or mapped; see docs/store.md, "page stock".
     */
    private Recycled recycle(SegmentSpec spec, Path stock) {
        if (stock == null) {
            return null;
        }
        WarmStock.Entry kept = warm.take(stock.getFileName().toString());
        try {
            if (!recycle || Files.size(stock) < RECYCLE_MIN_BYTES) {
                return null;
            }
            PendingSegment p = paths.shm().recycle(spec, stock, kept == null ? null : kept.kept()).orElse(null);
            if (p == null) {
                return null;
            }
            state.add(StoreStateLayout.RECYCLED_BYTES_OFFSET, spec.size());
            boolean reused = kept != null && !kept.kept().isOpen(); // taken over by the pending segment
            int chunks = (int) ((spec.size() + KeptWrites.CHUNK - 1) / KeptWrites.CHUNK);
            java.util.BitSet touched = reused ? kept.touched().get(0, chunks) : new java.util.BitSet();
            return new Recycled(p, reused, touched);
        } catch (IOException | RuntimeException e) {
            return null; // fresh pages instead
        } finally {
            if (kept != null) {
                kept.kept().close(); // no-op if the pending segment took it over
            }
            StoreScan.deleteQuietly(stock);
        }
    }

    // ------------------------------------------------------------------ evict, spill, restore

    /**
     * Evicts one object whose eviction writes nothing (no spill directory, or its spill file
     * exists already), unless a live process pins it; returns the bytes freed. Under the lock.
     * With {@code keep}, a dropped object's file stays in {@code evicting/} for the caller to
     * recycle or remove.
     */
    private long evict(String name, boolean keep) throws IOException {
        Path hidden = paths.evicting().resolve(name);
        try {
            Files.move(paths.object(name), hidden, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return 0;
        }
        return finishEviction(hidden, keep);
    }

    /**
     * Second half of an eviction, for an object moved into {@code evicting/} (by this lock
     * holder, or by one that died): put back if pinned or if it still needs a spill file (which
     * is written outside the lock, by {@link #makeRoom}), else dropped. Never writes a spill file.
     */
    private long finishEviction(Path hidden, boolean keep) throws IOException {
        String name = hidden.getFileName().toString();
        ObjectXattrs.Attributes attrs = ObjectXattrs.read(hidden);
        StoreScan scan = new StoreScan(paths);
        boolean spills = spillRoot != null && attrs.metadata() != null;
        if (attrs.pinners().stream().anyMatch(scan::mayBeAlive) || (spills && needsSpillFile(name))) {
            Files.move(hidden, paths.object(name), StandardCopyOption.ATOMIC_MOVE);
            return 0;
        }
        long size = Files.size(hidden);
        if (spills) {
            state.add(StoreStateLayout.SPILLS_OFFSET, 1);
        } else {
            state.add(StoreStateLayout.EVICTIONS_OFFSET, 1);
            state.add(StoreStateLayout.EVICTED_BYTES_OFFSET, size);
        }
        if (!keep) {
            drop(hidden);
        }
        return size;
    }

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * A restore between its steps: room made and reserved under the object's id (which tells
     * other getters that a restore is under way), pages from stock or none yet.
     */
    private record Restoring(Path spillFile, SpillFileLayout.Header header, SegmentSpec spec, Path reservation,
            Recycled recycled) {}

    /**
     * First step of a restore, under the lock: makes room (which may let go of the lock while
     * victims are spilled), takes page stock if a victim was dropped, and records a reservation
     * under the object's id. Null if the object came back meanwhile (the caller looks again).
     */
    private Restoring beginRestore(ObjectRef<?> ref, Path spillFile, String id) throws IOException {
        SpillFileLayout.Header header = SpillFiles.readHeader(spillFile);
        if (header.metadata().generation() != ref.generation()) {
            throw stale(ref, header.metadata().generation());
        }
        long size = header.payloadLength();
        SegmentSpec spec = objectSpec(size, ref.name());
        Path stock = makeRoom(size);
        if (Files.exists(paths.object(ref.name()), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(paths.spilling().resolve(ref.name()), LinkOption.NOFOLLOW_LINKS)
                || new StoreScan(paths).reservations(true).containsKey(id)) {
            if (stock != null) {
                StoreScan.deleteQuietly(stock); // restored by another process while the lock was let go
            }
            return null;
        }
        Recycled recycled = recycle(spec, stock);
        Path reservation = paths.reservation(SELF, id, size);
        try {
            Files.write(reservation, new byte[0]);
        } catch (IOException | RuntimeException e) {
            closeQuietly(recycled);
            throw e;
        }
        return new Restoring(spillFile, header, spec, reservation, recycled);
    }

    /**
     * The rest of a restore: fresh pages if no stock, the spill file read and checked into them
     * (both without the lock), then, under the lock, publish, metadata and this process's pin.
     */
    private Segment finishRestore(ObjectRef<?> ref, Restoring r) throws IOException {
        PendingSegment pending = r.recycled() == null ? null : r.recycled().pending();
        java.util.BitSet touched = r.recycled() == null ? new java.util.BitSet() : r.recycled().touched();
        Segment segment;
        try {
            try {
                if (pending == null) {
                    pending = reserveFresh(r.spec());
                }
                TestHooks.unlockedIo("restore " + ref.name());
                int chunks = (int) ((r.spec().size() + KeptWrites.CHUNK - 1) / KeptWrites.CHUNK);
                boolean warmPages = r.recycled() != null && r.recycled().warm() && touched.nextClearBit(0) >= chunks;
                SpillFiles.readPayload(r.spillFile(), r.header(), pending, warmPages);
            } catch (IOException | RuntimeException | Error e) {
                closeQuietly(pending);
                throw e;
            }
            try (StoreLock.Held _ = lock.acquire()) {
                try {
                    segment = publish(pending, ref.name(), touched);
                } catch (RuntimeException | Error e) {
                    pending.close();
                    throw e;
                }
                Path path = paths.object(ref.name());
                try {
                    ObjectXattrs.writeMetadata(path, r.header().metadata());
                    ObjectXattrs.pin(path, SELF);
                    touch(path);
                } catch (IOException | RuntimeException e) {
                    segment.close();
                    StoreScan.deleteQuietly(path);
                    throw e;
                }
                StoreScan.deleteQuietly(r.reservation());
            }
        } finally {
            StoreScan.deleteQuietly(r.reservation());
        }
        state.add(StoreStateLayout.RESTORES_OFFSET, 1);
        state.add(StoreStateLayout.RESTORED_BYTES_OFFSET, r.spec().size());
        return segment;
    }

    /**
     * Waits, without the lock, until another process's restore of {@code ref} ends (the object
     * appears, or its reservation goes: finished, failed, or its process died).
     */
    private void awaitRestore(ObjectRef<?> ref, String id) {
        Path path = paths.object(ref.name());
        long pause = 1;
        while (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)
                && new StoreScan(paths).reservations(false).containsKey(id)) {
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ObjectStoreException("interrupted while another process restores the object: store="
                        + paths.store() + ", name=" + ref.name(), e);
            }
            pause = Math.min(pause * 2, 20);
        }
    }

    /** Crash recovery; see {@link Housekeeping}. Under the lock. */
    private void recover() throws IOException {
        Housekeeping.removeDeadMembers(paths, new StoreScan(paths), spillRoot);
        for (Path hidden : StoreScan.list(paths.evicting(), "*")) {
            try {
                finishEviction(hidden, false);
            } catch (NoSuchFileException e) {
                // finished meanwhile
            }
        }
        Map<String, Long> live = null;
        for (Path at : StoreScan.list(paths.spilling(), "*")) {
            if (live == null) {
                live = new StoreScan(paths).reservations(true);
            }
            String name = at.getFileName().toString();
            Optional<String> id = paths.objectId(name);
            if (id.isPresent() && live.containsKey(id.get())) {
                continue; // a live process is writing its spill file
            }
            takeBack(name); // its spiller died: the bytes are intact in memory
        }
    }

    /** Moves an object out of {@code spilling/} back to its name, if it is there. Under the lock. */
    private void takeBack(String name) throws IOException {
        try {
            Files.move(paths.spilling().resolve(name), paths.object(name), StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            // not being spilled
        }
    }

    // ------------------------------------------------------------------ get and release

    /** Pins the object in this process (one more hold) and returns its mapping. */
    Segment acquire(ObjectRef<?> ref) {
        return acquirePin(ref).segment;
    }

    /**
     * {@code codec.share} of the value made over this process's mapping of a pinned object
     * (made now if there is none). The caller holds the object.
     */
    <T extends AutoCloseable> T value(ObjectRef<?> ref, MappedCodec<T> codec) {
        Pin pin = pins.get(ref.name());
        if (pin == null) {
            throw new IllegalStateException("object not held here: name=" + ref.name());
        }
        T value;
        synchronized (pin) {
            @SuppressWarnings("unchecked")
            T v = (T) pin.value;
            if (v == null) {
                v = codec.wrap(pin.segment);
                pin.value = v;
            }
            value = v;
        }
        return codec.share(value);
    }

    private Pin acquirePin(ObjectRef<?> ref) {
        checkRef(ref);
        Pin pin = pins.compute(ref.name(), (name, old) -> {
            if (old == null) {
                return new Pin(attachPinned(ref), false);
            }
            if (old.loose) {
                old.loose = false; // this get takes over the hold a putFor left here
            } else {
                old.holds++;
            }
            if (old.segment.isClosed()) { // a value from get was closed: map again, the pin stands
                synchronized (old) {
                    old.value = null;
                }
                old.segment = attachPinned(ref);
            }
            return old;
        });
        try {
            touch(paths.object(ref.name()));
        } catch (IOException e) {
            // evicted right after? It is pinned: only a concurrent eviction's rename window; LRU is a hint
        }
        return pin;
    }

    private Segment attachPinned(ObjectRef<?> ref) {
        Path path = paths.object(ref.name());
        try {
            Segment fast = attachIfPresent(ref, path);
            if (fast != null) {
                return fast;
            }
            String id = paths.objectId(ref.name()).orElseThrow();
            while (true) {
                Restoring restoring;
                try (StoreLock.Held _ = lock.acquire()) {
                    recover();
                    takeBack(ref.name()); // being spilled: it is still in memory, and wanted
                    Segment segment = attachIfPresent(ref, path);
                    if (segment != null) {
                        return segment;
                    }
                    Path spill = spillRoot == null ? null : paths.spillFile(spillRoot, ref.name());
                    if (spill == null || !Files.exists(spill)) {
                        throw new ObjectLostException("object lost: store=" + paths.store() + ", name=" + ref.name()
                                + ", size=" + ref.size() + (spillRoot == null
                                ? ", evicted (the store has no spill directory)"
                                : ", neither in memory nor in spillDir=" + paths.spillDir(spillRoot))
                                + "; keep objects you still need pinned (do not release them) or open the store"
                                + " with a spill directory; objects also vanish when their store's last process"
                                + " closes it");
                    }
                    restoring = new StoreScan(paths).reservations(true).containsKey(id) ? null
                            : beginRestore(ref, spill, id);
                }
                if (restoring != null) {
                    return finishRestore(ref, restoring);
                }
                awaitRestore(ref, id); // another process restores it (or it came back): look again
            }
        } catch (IOException e) {
            throw failure("get", ref.name(), e);
        }
    }

    /**
     * Pins and attaches the object if it is at its name with its metadata; null if not (the
     * caller retries under the lock). The pin is set before the mapping, so an evictor that
     * has not yet moved the file sees it on its re-check (docs/store.md, "evict").
     */
    private Segment attachIfPresent(ObjectRef<?> ref, Path path) throws IOException {
        try {
            ObjectXattrs.pin(path, SELF);
        } catch (NoSuchFileException e) {
            return null;
        }
        Segment segment;
        try {
            segment = paths.shm().attach(ref.name(), Access.READ_ONLY);
        } catch (NoSuchSegmentException e) {
            return null;
        }
        try {
            ObjectXattrs.Metadata meta = ObjectXattrs.readMetadata(path);
            if (meta == null) {
                segment.close(); // a restore is completing: retry under the lock
                return null;
            }
            if (meta.generation() != ref.generation() || segment.kind() != SegmentKind.OBJECT) {
                throw stale(ref, meta.generation());
            }
            if (segment.size() != ref.size()) {
                throw new ObjectStoreException("object size differs from its ref: name=" + ref.name()
                        + ", size=" + segment.size() + ", ref.size=" + ref.size() + "; the ref was altered");
            }
            return segment;
        } catch (NoSuchFileException e) {
            segment.close();
            return null;
        } catch (IOException | RuntimeException e) {
            segment.close();
            ObjectXattrs.unpin(path, SELF);
            throw e;
        }
    }

    /** Drops {@code n} holds; the last one unpins and unmaps. */
    void release(String name, int n) {
        pins.computeIfPresent(name, (k, pin) -> {
            pin.holds = n >= pin.holds ? 0 : pin.holds - n;
            if (pin.holds > 0) {
                return pin;
            }
            return unpinAndClose(k, pin);
        });
    }

    /** The last hold went: drops this process's pin and unmaps; returns null to drop the entry. */
    private Pin unpinAndClose(String name, Pin pin) {
        try {
            unpin(name);
        } finally {
            pin.close();
        }
        return null;
    }

    /**
     * A release by a handle that holds nothing: drops the loose hold a {@code putFor} left in
     * this process, or the pin another process set for this one; nothing if some handle here
     * holds the object.
     */
    void releaseLoose(String name) {
        pins.compute(name, (k, pin) -> {
            if (pin == null) {
                unpin(k); // a pin another process's putFor gave this process, if any
                return null;
            }
            if (!pin.loose) {
                return pin;
            }
            pin.loose = false;
            if (--pin.holds > 0) {
                return pin;
            }
            return unpinAndClose(k, pin);
        });
    }

    private void unpin(String name) {
        Path path = paths.object(name);
        try {
            if (!ObjectXattrs.unpin(path, SELF)) {
                // Not at its name: an evictor holds it in evicting/ and re-checks pins there.
                // Once it is done (under the lock) the object is back at its name or gone.
                try (StoreLock.Held _ = lock.acquire()) {
                    recover();
                    ObjectXattrs.unpin(path, SELF);
                }
            }
        } catch (IOException e) {
            throw failure("release", name, e);
        }
    }

    /** Whether the object is in memory or spilled. */
    boolean contains(ObjectRef<?> ref) {
        checkRef(ref);
        return Files.exists(paths.object(ref.name()))
                || Files.exists(paths.spilling().resolve(ref.name()))
                || (spillRoot != null && Files.exists(paths.spillFile(spillRoot, ref.name())));
    }

    private void checkRef(ObjectRef<?> ref) {
        if (!ref.store().equals(paths.store()) || paths.objectId(ref.name()).isEmpty()) {
            throw new ObjectStoreException("ref belongs to another store: ref.store=" + ref.store()
                    + ", name=" + ref.name() + ", store=" + paths.store()
                    + "; open the store named in the ref to get it");
        }
    }

    private static void touch(Path path) throws IOException {
        Files.getFileAttributeView(path, BasicFileAttributeView.class)
                .setTimes(null, FileTime.from(Instant.now()), null);
    }

    private ObjectLostException stale(ObjectRef<?> ref, long found) {
        return new ObjectLostException("object replaced: store=" + paths.store() + ", name=" + ref.name()
                + ", generation=" + Long.toHexString(ref.generation()) + ", found=" + Long.toHexString(found)
                + "; the object the ref named is gone");
    }

    private ObjectStoreException failure(String op, String name, IOException e) {
        return new ObjectStoreException(op + " failed: store=" + paths.store() + ", name=" + name
                + ", error=" + e, e);
    }

    // ------------------------------------------------------------------ stats and listing

    StoreStats stats() {
        return stats(paths, state);
    }

    List<StoredObject> objects() {
        return objects(paths, spillRoot);
    }

    private static StoreStats stats(StorePaths paths, StoreState state) {
        StoreScan scan = new StoreScan(paths);
        Map<String, Long> reservations = scan.reservations(false);
        List<StoreScan.Resident> residents = scan.residents(reservations, false);
        long unpublished = StoreScan.unpublished(reservations, residents);
        long used = unpublished;
        long pinned = unpublished;
        Set<String> inMemory = new HashSet<>();
        for (StoreScan.Resident r : residents) {
            used += r.size();
            pinned += r.pinned() ? r.size() : 0;
            inMemory.add(r.name());
        }
        int spilledObjects = 0;
        long onDisk = 0;
        for (StoreScan.Spilled s : scan.spilled(state.spillDirectory())) {
            onDisk += s.size();
            spilledObjects += inMemory.contains(s.name()) ? 0 : 1;
        }
        return new StoreStats(paths.store(), state.capacity(), used, pinned, residents.size(), spilledObjects,
                onDisk, scan.members().size(),
                state.counter(StoreStateLayout.EVICTIONS_OFFSET), state.counter(StoreStateLayout.SPILLS_OFFSET),
                state.counter(StoreStateLayout.RESTORES_OFFSET), state.counter(StoreStateLayout.EVICTED_BYTES_OFFSET),
                state.counter(StoreStateLayout.SPILLED_BYTES_OFFSET),
                state.counter(StoreStateLayout.RESTORED_BYTES_OFFSET));
    }

    private static List<StoredObject> objects(StorePaths paths, Path spillRoot) {
        StoreScan scan = new StoreScan(paths);
        List<StoreScan.Spilled> spilled = scan.spilled(spillRoot);
        Set<String> spillCopies = new HashSet<>();
        for (StoreScan.Spilled s : spilled) {
            spillCopies.add(s.name());
        }
        List<StoredObject> out = new ArrayList<>();
        Set<String> inMemory = new HashSet<>();
        for (StoreScan.Resident r : scan.residents(scan.reservations(false), false)) {
            inMemory.add(r.name());
            out.add(new StoredObject(r.name(), r.size(), r.metadata() == null ? "?" : r.metadata().codec(),
                    r.pins(), true, spillCopies.contains(r.name()), r.lastAccess().toInstant()));
        }
        for (StoreScan.Spilled s : spilled) {
            if (inMemory.contains(s.name())) {
                continue;
            }
            String codec = "?";
            long size = s.size() - SpillFileLayout.HEADER_SIZE;
            try {
                SpillFileLayout.Header h = SpillFiles.readHeader(paths.spillFile(spillRoot, s.name()));
                codec = h.metadata().codec();
                size = h.payloadLength();
            } catch (IOException | RuntimeException e) {
                // listed with what the file name and size say
            }
            out.add(new StoredObject(s.name(), size, codec, List.of(), false, true, s.modified().toInstant()));
        }
        out.sort(Comparator.comparing(StoredObject::name));
        return out;
    }

    // ------------------------------------------------------------------ inspection without opening

    /** The stores in a shm directory (only real directories of this user; see {@link #unusableStores}). */
    public static List<String> storeNames(ShmDirectory dir) {
        List<String> out = new ArrayList<>();
        for (Path p : StoreScan.list(dir.path(), StorePaths.DIR_PREFIX + "*")) {
            String name = p.getFileName().toString().substring(StorePaths.DIR_PREFIX.length());
            if (validName(name) && new StorePaths(dir, name).unusable() == null && Files.isDirectory(p,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                out.add(name);
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Entries named like a store's directory that shm4j will not touch — a link, a file, another
     * user's directory, a name no store can have — with the reason, by name.
     */
    public static Map<String, String> unusableStores(ShmDirectory dir) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (Path p : StoreScan.list(dir.path(), StorePaths.DIR_PREFIX + "*")) {
            String name = p.getFileName().toString().substring(StorePaths.DIR_PREFIX.length());
            if (!validName(name)) {
                out.put(name, "not a valid store name");
                continue;
            }
            String why = new StorePaths(dir, name).unusable();
            if (why != null && !why.startsWith(StorePaths.OTHER_USER)) { // another user's store is theirs, not damage
                out.put(name, why);
            }
        }
        return out;
    }

    private static boolean validName(String name) {
        try {
            ObjectStoreConfig.checkName(name);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Stats of a store, read without opening it. */
    public static StoreStats inspectStats(ShmDirectory dir, String name) {
        StorePaths paths = new StorePaths(dir, ObjectStoreConfig.checkName(name));
        return stats(paths, stateOf(paths));
    }

    /** Objects of a store, read without opening it. */
    public static List<StoredObject> inspectObjects(ShmDirectory dir, String name) {
        StorePaths paths = new StorePaths(dir, ObjectStoreConfig.checkName(name));
        return objects(paths, stateOf(paths).spillDirectory());
    }

    private static StoreState stateOf(StorePaths paths) {
        String unusable = paths.unusable();
        if (unusable != null) {
            throw new ObjectStoreException("store directory is not usable: store=" + paths.store() + ", dir="
                    + paths.dir() + ", problem=" + unusable + "; shm4j reads only real directories of this user");
        }
        Optional<StoreState> s = StoreState.read(paths.state(), paths.store());
        return s.orElseThrow(() -> new ObjectStoreException("no such store: store=" + paths.store()
                + ", dir=" + paths.shm().path() + "; list stores with StoreAdmin.storeNames(dir)"));
    }

    /** Stores whose processes all died, without removing them; see {@link io.shm4j.store.StoreAdmin#abandoned}. */
    public static List<String> abandoned(ShmDirectory dir) {
        ShmDirectory real = ShmDirectory.of(realDirectory(dir.path()));
        List<String> out = new ArrayList<>();
        for (String name : storeNames(real)) {
            StorePaths paths = new StorePaths(real, name);
            synchronized (CLIENTS) {
                if (CLIENTS.containsKey(paths.dir().toString())) {
                    continue; // this process uses it
                }
            }
            try {
                if (new StoreScan(paths).members().isEmpty()) {
                    out.add(name);
                }
            } catch (ObjectStoreException e) {
                // damaged: reclaimAbandoned reports it
            }
        }
        return out;
    }

    /** Removes stores whose processes all died; see {@link io.shm4j.store.StoreAdmin#reclaimAbandoned}. */
    public static List<String> reclaimAbandoned(ShmDirectory dir) {
        return reclaimAbandoned(dir, DEFAULT_LOCK_WAIT).removed();
    }

    /** How long housekeeping waits for a store's lock before leaving the store alone as busy. */
    private static final java.time.Duration DEFAULT_LOCK_WAIT = java.time.Duration.ofSeconds(2);

    /** Removes stores whose processes all died, waiting at most {@code lockWait} on each; see {@link io.shm4j.store.StoreAdmin#sweep}. */
    public static StoreSweep reclaimAbandoned(ShmDirectory dir, java.time.Duration lockWait) {
        ShmDirectory real = ShmDirectory.of(realDirectory(dir.path()));
        List<String> removed = new ArrayList<>();
        Map<String, String> skipped = new java.util.TreeMap<>(unusableStores(real));
        for (String name : storeNames(real)) {
            StorePaths paths = new StorePaths(real, name);
            String key = paths.dir().toString();
            java.util.concurrent.locks.ReentrantLock storeLock = storeLock(key);
            if (!storeLock.tryLock()) {
                continue; // a thread here is connecting or disconnecting: the store is in use
            }
            try {
                synchronized (CLIENTS) {
                    if (CLIENTS.containsKey(key)) {
                        continue; // this process uses it
                    }
                }
                StoreLock lock = StoreLock.openLocked(paths, lockWait);
                if (lock == null) {
                    skipped.put(name, "busy: another process held its lock for " + lockWait.toMillis() + " ms");
                    continue;
                }
                try {
                    Path spill;
                    try {
                        spill = StoreState.read(paths.state(), name).map(StoreState::spillDirectory).orElse(null);
                    } catch (ObjectStoreException e) {
                        spill = null; // damaged state: the store is still removed, its spill files are not found
                    }
                    StoreScan scan = new StoreScan(paths);
                    Housekeeping.removeDeadMembers(paths, scan, spill);
                    if (scan.members().isEmpty()) {
                        Housekeeping.destroy(paths, lock, spill);
                        removed.add(name);
                    }
                } finally {
                    lock.release();
                    lock.close();
                }
            } catch (IOException | ObjectStoreException e) {
                skipped.put(name, "damaged: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            } finally {
                storeLock.unlock();
            }
        }
        return new StoreSweep(removed, skipped);
    }
}
