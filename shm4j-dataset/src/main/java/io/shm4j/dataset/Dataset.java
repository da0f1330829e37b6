package io.shm4j.dataset;

import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.Access;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.NoSuchSegmentException;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentClosedException;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentNames;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A live dataset: one stable name over a sequence of immutable versions of a shared array or
 * frame. A writer {@linkplain #publish publishes} a new version atomically; readers in any
 * process take the newest with {@link #current()} and keep reading the version they hold until
 * they move on.
 *
 * <pre>{@code
 * // writer
 * try (Dataset<SharedArray> emb = Dataset.createArrays(ShmOptions.named("emb").persistent())) {
 *     emb.publish(opts -> SharedArray.copyOf(opts, matrix));
 * }
 * // reader, any process
 * try (Dataset<SharedArray> emb = Dataset.attachArrays("emb")) {
 *     try (Version<SharedArray> v = emb.current()) {   // no syscall when nothing changed
 *         double s = v.value().sum();
 *     }
 * }
 * }</pre>
 *
 * <p><b>Shared memory:</b> a control segment named like the dataset (kind {@code dataset}, one
 * page, layout in {@link DatasetLayout}) holds the current version number {@code k}; version
 * {@code k}'s bytes are the persistent segment {@code NAME@v<k>}, a standard {@code .npy} or Arrow
 * IPC file. An old version's name is removed once a newer one is current; its memory is returned
 * when the last process mapping it lets go (or dies).
 *
 * <p><b>Threading:</b> thread-safe. {@link #current()} may be called by any number of threads;
 * publishes from threads of one process are serialized by an in-process lock.
 *
 * <p><b>Processes:</b> writers in all processes are serialized by the writer lock in the control
 * segment (compare-and-set of the holder's pid and start time; a dead holder's lock is taken
 * over). A writer killed at any point leaves the previous version current and nothing
 * half-visible; leftovers are removed by the next publish or by {@link DatasetAdmin#gc}.
 *
 * <p><b>Ownership:</b> a handle maps the control segment and the version it last moved to; a
 * {@link Version} lease keeps its version mapped in this process until closed. {@link #close()}
 * unmaps here (a version stays mapped while leases on it are open). The handle that created a
 * {@linkplain Lifetime#SCOPED scoped} dataset owns it: closing it removes the dataset and its
 * versions. A persistent dataset lives until {@link DatasetAdmin#remove} (or {@code shm4j rm}).
 *
 * @param <T> {@link SharedArray} or {@link SharedFrame}
 */
public final class Dataset<T extends AutoCloseable> implements AutoCloseable {
    /** How long {@link #publish} waits for another live writer by default. */
    public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(30);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Map<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();
    private static final Set<Dataset<?>> OWNED = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    private final ShmDirectory directory;
    private final String name;
    private final Segment control;
    private final MemorySegment memory;
    private final Codec<T> codec;
    private final boolean owning;
    private final int mode;
    private volatile Held<T> held;
    private volatile boolean closed;
    private volatile Follower<T> follower; // set by follow(), cleared when it stops
    /** The version this handle published last, whose writable mapping the page stock may keep; or null. */
    private volatile Published lastPublished;

    /** A version this handle published: its number and its segment's generation. */
    private record Published(long number, long generation) {}

    private Dataset(ShmDirectory directory, String name, Segment control, Codec<T> codec, boolean owning, int mode) {
        this.directory = directory;
        this.name = name;
        this.control = control;
        this.memory = control.memory();
        this.codec = codec;
        this.owning = owning;
        this.mode = mode;
    }

    // ================================================================== create and attach

    /**
     * Creates an empty dataset of arrays (no version yet) under {@code options}' name; the
     * options' lifetime, mode, owner and directory apply to the dataset (its versions are
     * persistent segments that belong to it). The handle may publish.
     *
     * @throws io.shm4j.segment.SegmentExistsException if the name is taken
     */
    public static Dataset<SharedArray> createArrays(ShmOptions options) {
        return create(options, Codec.ARRAYS);
    }

    /** Like {@link #createArrays(ShmOptions)}, for a dataset of frames. */
    public static Dataset<SharedFrame> createFrames(ShmOptions options) {
        return create(options, Codec.FRAMES);
    }

    /** Attaches a dataset of arrays of the current shm directory, read-only (it cannot publish). */
    public static Dataset<SharedArray> attachArrays(String name) {
        return attach(ShmDirectory.current(), name, Access.READ_ONLY, Codec.ARRAYS);
    }

    /** Attaches a dataset of arrays; {@link Access#READ_WRITE} to publish. */
    public static Dataset<SharedArray> attachArrays(ShmDirectory directory, String name, Access access) {
        return attach(directory, name, access, Codec.ARRAYS);
    }

    /** Attaches a dataset of frames of the current shm directory, read-only (it cannot publish). */
    public static Dataset<SharedFrame> attachFrames(String name) {
        return attach(ShmDirectory.current(), name, Access.READ_ONLY, Codec.FRAMES);
    }

    /** Attaches a dataset of frames; {@link Access#READ_WRITE} to publish. */
    public static Dataset<SharedFrame> attachFrames(ShmDirectory directory, String name, Access access) {
        return attach(directory, name, access, Codec.FRAMES);
    }

    private static <T extends AutoCloseable> Dataset<T> create(ShmOptions options, Codec<T> codec) {
        ShmOptions named = options.name() != null ? options : options.withName(SegmentNames.generate());
        checkNameLength(named.name());
        ShmDirectory dir = named.directoryOrCurrent();
        PendingSegment pending = dir.reserve(named.asMutable().spec(DatasetLayout.SIZE, SegmentKind.DATASET));
        Segment control;
        try {
            DatasetLayout.initialize(pending.memory(), codec.kind);
            control = pending.publish();
        } catch (RuntimeException e) {
            pending.close();
            throw e;
        }
        boolean owning = control.isOwning();
        Dataset<T> ds = new Dataset<>(dir, named.name(), control, codec, owning, named.mode());
        if (owning) {
            trackOwned(ds);
        }
        return ds;
    }

    private static <T extends AutoCloseable> Dataset<T> attach(ShmDirectory dir, String name, Access access,
            Codec<T> codec) {
        SegmentNames.validate(name);
        Segment control = dir.attach(name, access);
        try {
            if (control.kind() != SegmentKind.DATASET) {
                throw new DatasetFormatException("not a dataset: name=" + name + ", kind=" + control.kind().label()
                        + ", dir=" + dir.path() + "; attach it as what it is, or list datasets with `shm4j ls`");
            }
            SegmentKind versions = DatasetLayout.check(name, control.memory());
            if (versions != codec.kind) {
                throw new DatasetFormatException("dataset holds " + versions.label() + "s, not " + codec.kind.label()
                        + "s: name=" + name + "; attach it with Dataset.attach" + (versions == SegmentKind.ARRAY
                                ? "Arrays" : "Frames"));
            }
        } catch (RuntimeException e) {
            control.close();
            throw e;
        }
        return new Dataset<>(dir, name, control, codec, false, control.info().mode());
    }

    private static void checkNameLength(String name) {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > SegmentNames.MAX_BYTES - DatasetLayout.MAX_SUFFIX_BYTES) {
            throw new io.shm4j.segment.InvalidNameException("dataset name too long: length=" + bytes + " bytes, max="
                    + (SegmentNames.MAX_BYTES - DatasetLayout.MAX_SUFFIX_BYTES)
                    + "; version segments append up to " + DatasetLayout.MAX_SUFFIX_BYTES + " bytes");
        }
    }

    // ================================================================== read

    /** The dataset's name (its control segment's). */
    public String name() {
        return name;
    }

    /** The shm directory it lives in. */
    public ShmDirectory directory() {
        return directory;
    }

    /** What its versions are: {@link SegmentKind#ARRAY} or {@link SegmentKind#FRAME}. */
    public SegmentKind versionKind() {
        return codec.kind;
    }

    /** The current version number (0 before the first publish): one acquire load, no syscall. */
    public long currentNumber() {
        checkOpen();
        return (long) DatasetLayout.LONG.getAcquire(memory, DatasetLayout.CURRENT_OFFSET);
    }

    /**
     * A lease on the newest version. When nothing was published since this handle last moved,
     * this is one acquire load and a reference count (no syscall, no mapping); otherwise it maps
     * the new version and lets go of the old one (unmapped when its last lease closes).
     *
     * @throws NoVersionException if nothing was published yet
     * @throws SegmentClosedException after {@link #close()}
     */
    public Version<T> current() {
        if (closed) {
            throw closedException();
        }
        Held<T> h = held;
        if (h != null && (follower != null || h.number == (long) DatasetLayout.LONG.getAcquire(memory,
                DatasetLayout.CURRENT_OFFSET)) && h.acquire()) {
            return new Version<>(h);
        }
        return moveOn();
    }

    /**
     * The number of the version {@link #current()} returns now: the current version number, or
     * while a {@link Follower} runs, the version it last made ready (the current number before
     * the first).
     */
    long readyNumber() {
        if (follower != null) {
            Held<T> h = held;
            if (h != null) {
                return h.number;
            }
        }
        return (long) DatasetLayout.LONG.getAcquire(memory, DatasetLayout.CURRENT_OFFSET);
    }

    /**
     * A reader for one thread whose {@link DatasetReader#current()} costs one acquire load when
     * nothing changed (no lease to close); the cheapest way for a request loop to follow the
     * dataset.
     */
    public DatasetReader<T> reader() {
        checkOpen();
        return new DatasetReader<>(this);
    }

    /**
     * Follows the dataset in the background, for servers: a daemon thread looks at the current
     * version number every {@code poll} and, when a newer version was published, maps it, reads
     * one byte of each of its pages (so that this process's page tables hold all of them) and
     * only then hands it to {@link #current()} and to every {@link DatasetReader} of this handle;
     * it also unmaps old versions once no lease or reader of this handle holds them. Request
     * threads then never pay for a switch: on the 2-core VM of the measurements, the first scan
     * of a freshly mapped 244 MiB version took 165 ms instead of 26 ms, page-table set-up that a
     * prefault ({@code MADV_POPULATE_READ}) alone does not remove (see docs/dataset.md). By
     * default the touch runs at full speed ({@link Follower#DEFAULT_TOUCH_SHARE}).
     *
     * <p>While it runs, {@link #current()} returns the newest version it made ready, which lags
     * the published one by the time to map and touch it; {@link #currentNumber()} still reads
     * the published number. A process following the dataset maps the version its readers use
     * and, during a switch, the next one. At most one follower per handle; it stops at its
     * {@link Follower#close()} or at this handle's {@link #close()}.
     *
     * @param poll how often to look at the version number (e.g. 5 ms; a look is one load from
     *     shared memory)
     * @return the running follower; close it to stop following
     * @throws IllegalStateException if a follower already runs on this handle
     * @throws SegmentClosedException after {@link #close()}
     */
    public Follower<T> follow(Duration poll) {
        return follow(poll, Follower.DEFAULT_TOUCH_SHARE);
    }

    /**
     * Like {@link #follow(Duration)}, with the share of one core the touch of a new version may
     * take: 1 touches at full speed (the shortest switch, the largest slowdown of request
     * threads on the same cores meanwhile), 0.25 paces it to a quarter of a core.
     *
     * @param touchShare in (0, 1]
     * @throws IllegalArgumentException if {@code touchShare} or {@code poll} is out of range
     */
    public synchronized Follower<T> follow(Duration poll, double touchShare) {
        checkOpen();
        if (follower != null) {
            throw new IllegalStateException("a follower already runs on this dataset handle: name=" + name
                    + "; close it before starting another");
        }
        Follower<T> f = new Follower<>(this, poll, touchShare);
        follower = f;
        f.start();
        return f;
    }

    /** Called by a follower that stopped: from now on {@link #current()} checks the counter again. */
    synchronized void followerStopped(Follower<T> f) {
        if (follower == f) {
            follower = null;
        }
    }

    private synchronized Version<T> moveOn() {
        for (int attempt = 0;; attempt++) {
            checkOpen();
            long k = (long) DatasetLayout.LONG.getAcquire(memory, DatasetLayout.CURRENT_OFFSET);
            Held<T> h = held;
            if (h != null && (h.number == k || follower != null)) {
                if (h.acquire()) {
                    return new Version<>(h);
                }
                continue; // cannot happen while the handle holds it; re-read
            }
            Held<T> next = map(k, h, attempt);
            if (next == null) {
                continue; // superseded meanwhile: read the counter again
            }
            next.acquire();
            held = next;
            if (h != null) {
                h.release();
            }
            return new Version<>(next);
        }
    }

    /**
     * Maps version {@code k} for this handle (count 1: the handle's hold); null if its name is
     * already gone because a newer version superseded it (read the counter again).
     */
    Held<T> map(long k, Held<T> h, int attempt) {
        if (k == 0) {
            throw new NoVersionException("dataset has no version yet: name=" + name + ", dir=" + directory.path()
                    + "; publish one with Dataset.publish");
        }
        if (h != null && k < h.number) {
            throw new DatasetFormatException("dataset version went backwards: name=" + name + ", held="
                    + h.number + ", current=" + k + "; the dataset was recreated: attach it again");
        }
        String vname = DatasetLayout.versionName(name, k);
        T root;
        try {
            root = codec.attach(directory, vname);
        } catch (NoSuchSegmentException e) {
            if ((long) DatasetLayout.LONG.getAcquire(memory, DatasetLayout.CURRENT_OFFSET) != k || attempt < 3) {
                return null; // superseded meanwhile: the writer removed it after publishing a newer one
            }
            throw new NoVersionException("current version of dataset is gone: name=" + name + ", version=" + k
                    + ", segment=" + vname + ", dir=" + directory.path()
                    + "; it was removed by hand: publish a new version");
        }
        return new Held<>(k, vname, root, codec.borrow(root));
    }

    /**
     * Makes {@code next} the version this handle holds (a follower's switch) and adds the one it
     * held to {@code replaced} (its hold passes to the caller). Returns false, changing nothing,
     * if the handle already holds {@code next}'s version or a newer one.
     *
     * @throws SegmentClosedException if the handle was closed meanwhile (nothing changed)
     */
    synchronized boolean install(Held<T> next, java.util.List<Held<T>> replaced) {
        checkOpen();
        Held<T> old = held;
        if (old != null && old.number >= next.number) {
            return false; // a request thread mapped it (or a newer one) meanwhile
        }
        held = next;
        if (old != null) {
            replaced.add(old);
        }
        return true;
    }

    /** The version this handle holds (null before the first {@link #current()}). */
    Held<T> held() {
        return held;
    }

    /** The mapped bytes of a version this handle maps. */
    MemorySegment bytesOf(Held<T> h) {
        return codec.segment(h.root).memory();
    }

    // ================================================================== publish

    /**
     * Publishes a new version. {@code maker} creates the version's array or frame with the
     * options it is given (a staging name, persistent, this dataset's mode and directory), for
     * example {@code opts -> SharedArray.copyOf(opts, matrix)}; it may add
     * {@link ShmOptions#asMutable()} for versions to be patched in place with atomics. The
     * version is built outside the writer lock; under it, it is linked as {@code NAME@v<k+1>} and
     * the current number is bumped (release). Then the previous version's name is removed — or,
     * with the page stock on ({@code shm4j.pageStock}), its file moves into this process's stock,
     * and a later publish that builds with {@code SharedArray.copyOf(opts, javaArray)} writes into
     * its pages once no process maps it (see docs/dataset.md, "The writer's page stock").
     *
     * <p><b>On a writer thread:</b> the publish — {@code maker} included — runs on a thread of
     * lowered priority (nice {@code shm4j.dataset.writerNice}, default 10; 0 runs it on the
     * calling thread) while the caller waits, so that writing a version takes the CPU that
     * readers leave instead of theirs; on an idle core it runs at full speed. Its exceptions
     * reach the caller as thrown; an interrupt of the caller does not cut it short.
     *
     * @return the new version number
     * @throws DatasetBusyException if another live writer holds the lock for {@link #DEFAULT_LOCK_WAIT}
     * @throws IllegalArgumentException if {@code maker} did not use the options it was given
     */
    public long publish(Function<ShmOptions, ? extends T> maker) {
        return publish(maker, DEFAULT_LOCK_WAIT, Hook.NONE);
    }

    /** Like {@link #publish(Function)} with a bound on the wait for the writer lock. */
    public long publish(Function<ShmOptions, ? extends T> maker, Duration lockWait) {
        return publish(maker, lockWait, Hook.NONE);
    }

    /** Steps of a publish, for crash tests. */
    enum Stage { STAGED, LINKED, BUMPED }

    /** Called at each step of a publish (tests kill the writer there). */
    interface Hook {
        Hook NONE = stage -> { };

        void at(Stage stage);
    }

    long publish(Function<ShmOptions, ? extends T> maker, Duration lockWait, Hook hook) {
        checkOpen();
        if (control.isReadOnly()) {
            throw new DatasetException("dataset handle is read-only: name=" + name
                    + "; attach it with Access.READ_WRITE (or create it) to publish");
        }
        return WriterThreads.run(() -> publishHere(maker, lockWait, hook));
    }

    private long publishHere(Function<ShmOptions, ? extends T> maker, Duration lockWait, Hook hook) {
        ProcessIdentity me = ProcessIdentity.current();
        byte[] rnd = new byte[8];
        RANDOM.nextBytes(rnd);
        String staging = DatasetLayout.stagingName(name, me.pid(), me.startTicks(), HexFormat.of().formatHex(rnd));
        ShmOptions opts = ShmOptions.named(staging).persistent().withMode(mode).in(directory);
        Path stagingPath = directory.path().resolve(staging);
        // With the page stock on, the version keeps this process's writable mapping until it is
        // replaced and moved into the stock with it: the publish that reuses its pages then
        // copies through page-table entries that exist (docs/dataset.md, "The writer's page stock").
        directory.keepMappingOnPublish(staging);
        long published = 0;
        try {
            T made = maker.apply(opts);
            long generation;
            try {
                Segment seg = codec.segment(made);
                if (seg == null || !seg.name().equals(staging) || !seg.directory().path().equals(directory.path())
                        || seg.info().lifetime() != Lifetime.PERSISTENT) {
                    throw new IllegalArgumentException("the version maker must create its " + codec.kind.label()
                            + " with the options it is given: expected name=" + staging + ", got="
                            + (seg == null ? "a file on disk" : seg.name()) + "; write opts -> ...copyOf(opts, ...)");
                }
                generation = seg.info().generation();
            } finally {
                closeQuietly(made);
            }
            hook.at(Stage.STAGED);
            published = commit(stagingPath, generation, lockWait, hook);
            return published;
        } finally {
            if (published == 0) {
                directory.forgetKeptMapping(staging); // never current: the request, or the mapping kept, goes
            }
            deleteQuietly(stagingPath);
        }
    }

    private long commit(Path stagingPath, long generation, Duration lockWait, Hook hook) {
        long k;
        long next;
        Published ours;
        try (WriterLock lock = WriterLock.take(this, lockWait)) {
            k = (long) DatasetLayout.LONG.getAcquire(memory, DatasetLayout.CURRENT_OFFSET);
            next = k + 1;
            String vname = DatasetLayout.versionName(name, next);
            Path target = directory.path().resolve(vname);
            // Left by a writer that died between linking and bumping: never current, never read.
            deleteQuietly(target);
            try {
                Files.createLink(target, stagingPath);
            } catch (FileAlreadyExistsException e) {
                throw new DatasetException("cannot publish dataset version: name=" + name + ", segment=" + vname
                        + " exists and could not be removed; remove it with `shm4j rm " + vname + "`", e);
            } catch (IOException e) {
                throw new DatasetException("cannot publish dataset version: name=" + name + ", segment=" + vname
                        + ", dir=" + directory.path() + ", error=" + e, e);
            }
            SegmentInfo linked = directory.info(vname);
            if (linked.generation() != generation) {
                deleteQuietly(target);
                throw new DatasetException("staged version was replaced before publishing: name=" + name
                        + ", segment=" + vname + "; publish again");
            }
            hook.at(Stage.LINKED);
            DatasetLayout.LONG.getAndAdd(memory, DatasetLayout.PUBLISH_COUNT_OFFSET, 1L);
            DatasetLayout.LONG.setRelease(memory, DatasetLayout.LAST_PUBLISH_OFFSET, System.currentTimeMillis());
            DatasetLayout.LONG.setRelease(memory, DatasetLayout.CURRENT_OFFSET, next);
            ours = lastPublished;
            lastPublished = new Published(next, generation); // under the lock: in publishing order
        }
        hook.at(Stage.BUMPED);
        if (ours != null && ours.number() != k) {
            // another writer replaced our last version and moved it on (into its own stock, say):
            // our mapping of it would keep its pages from serving there
            directory.forgetKeptMapping(ours.generation());
        }
        if (k > 0) {
            // Readers that mapped it keep it; its memory goes when the last of them lets go —
            // or, with the page stock on, its pages serve this process's next publish once
            // nobody maps it any more (checked then, by the segment layer).
            String replaced = DatasetLayout.versionName(name, k);
            if (!directory.moveToPageStock(replaced)) {
                deleteQuietly(directory.path().resolve(replaced));
            }
        }
        return next;
    }

    /** The cross-process writer lock: an in-process lock, then a compare-and-set of the lock word. */
    static final class WriterLock implements AutoCloseable {
        private final MemorySegment memory;
        private final ReentrantLock local;
        private final long word;

        private WriterLock(MemorySegment memory, ReentrantLock local, long word) {
            this.memory = memory;
            this.local = local;
            this.word = word;
        }

        static WriterLock take(Dataset<?> ds, Duration wait) {
            return take(ds.name, ds.control.path(), ds.memory, wait);
        }

        static WriterLock take(String name, Path controlPath, MemorySegment memory, Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            ReentrantLock local = IN_PROCESS_LOCKS.computeIfAbsent(controlPath, p -> new ReentrantLock());
            try {
                if (!local.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                    throw busy(name, "a thread of this process", wait);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DatasetException("interrupted waiting for the dataset writer lock: name=" + name, e);
            }
            ProcessIdentity me = ProcessIdentity.current();
            long mine = DatasetLayout.lockWord(me.pid(), me.startTicks());
            long backoff = 10_000;
            try {
                while (true) {
                    long w = (long) DatasetLayout.LONG.getVolatile(memory, DatasetLayout.LOCK_OFFSET);
                    if (w == 0 || w == mine || !holderAlive(w)) {
                        // w == mine: a thread of this process died holding it (we hold the local lock)
                        if (DatasetLayout.LONG.compareAndSet(memory, DatasetLayout.LOCK_OFFSET, w, mine)) {
                            return new WriterLock(memory, local, mine);
                        }
                        continue;
                    }
                    if (System.nanoTime() > deadline) {
                        throw busy(name, "pid=" + DatasetLayout.lockPid(w), wait);
                    }
                    LockSupport.parkNanos(backoff);
                    backoff = Math.min(backoff * 2, 5_000_000);
                }
            } catch (RuntimeException | Error e) {
                local.unlock();
                throw e;
            }
        }

        static boolean holderAlive(long w) {
            return new ProcessIdentity(DatasetLayout.lockPid(w), DatasetLayout.lockStartTicks(w)).isAlive();
        }

        private static DatasetBusyException busy(String name, String holder, Duration wait) {
            return new DatasetBusyException("dataset writer lock busy: name=" + name + ", holder=" + holder
                    + ", waited=" + wait.toMillis() + "ms; another writer is publishing: retry later");
        }

        @Override
        public void close() {
            try {
                DatasetLayout.LONG.compareAndSet(memory, DatasetLayout.LOCK_OFFSET, word, 0L);
            } finally {
                local.unlock();
            }
        }
    }

    // ================================================================== close

    /** Whether this handle created the dataset and removes it on close (scoped datasets). */
    public boolean isOwning() {
        return owning;
    }

    /**
     * Unmaps the control segment and lets go of the version this handle holds (it stays mapped
     * while leases on it are open). The owning handle of a scoped dataset also removes the
     * dataset and all its versions. Idempotent.
     */
    @Override
    public void close() {
        Follower<T> f;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            f = follower;
        }
        if (f != null) {
            f.close(); // waits for its thread: nothing maps or unmaps under the control segment's close
        }
        Held<T> h;
        synchronized (this) {
            h = held;
            held = null;
        }
        try {
            if (h != null) {
                h.release();
            }
            Published ours = lastPublished;
            if (ours != null) {
                directory.forgetKeptMapping(ours.generation()); // this handle will not move it into the stock
            }
        } finally {
            if (owning) {
                OWNED.remove(this);
                removeVersions();
            }
            control.close();
        }
    }

    private void removeVersions() {
        DatasetAdmin.removeVersionFiles(directory, name);
    }

    private void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private SegmentClosedException closedException() {
        return new SegmentClosedException("dataset handle is closed: name=" + name + ", dir=" + directory.path()
                + "; attach it again to use it");
    }

    private static void trackOwned(Dataset<?> ds) {
        OWNED.add(ds);
        if (!hookInstalled) {
            synchronized (Dataset.class) {
                if (!hookInstalled) {
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        for (Dataset<?> d : OWNED) {
                            d.removeVersions();
                        }
                    }, "shm4j-scoped-dataset-cleanup"));
                    hookInstalled = true;
                }
            }
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // left for gc
        }
    }

    static boolean existsNoFollow(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // unmapping only
        }
    }

    @Override
    public String toString() {
        return "Dataset[name=" + name + ", versions=" + codec.kind.label() + "s, current=" + (closed ? "?" : currentNumber())
                + (owning ? ", owning" : "") + (closed ? ", closed" : "") + "]";
    }

    // ================================================================== internals

    /**
     * One version mapped in this process, shared by its leases; unmapped when the count reaches 0.
     * A lease is one {@code lock xadd} to take and one to give back: {@link #acquire()} adds
     * unconditionally and fails only on a dead count; the release that brings the count to 0 kills
     * it with a compare-and-set to {@link #DEAD} and unmaps. An acquire that lands on 0 before
     * that compare-and-set revives the version (that release then leaves it to the new holder).
     */
    static final class Held<T extends AutoCloseable> {
        /** The count of an unmapped version: far below 0, so late acquires never bring it back to 0. */
        private static final long DEAD = Long.MIN_VALUE / 2;

        final long number;
        final String segmentName;
        final T root;
        final T view;
        private final AtomicLong refs = new AtomicLong(1); // the handle's own hold

        Held(long number, String segmentName, T root, T view) {
            this.number = number;
            this.segmentName = segmentName;
            this.root = root;
            this.view = view;
        }

        boolean acquire() {
            return refs.getAndIncrement() >= 0;
        }

        /** Told when the count drops to 1 (a follower that retired this version and holds the last hold). */
        private volatile Runnable onLastHold;

        void release() {
            long n = refs.decrementAndGet();
            if (n == 0 && refs.compareAndSet(0, DEAD)) {
                closeQuietly(root);
            } else if (n == 1) {
                Runnable r = onLastHold;
                if (r != null) {
                    r.run(); // wakes the follower, which unmaps it on its own thread
                }
            }
        }

        void onLastHold(Runnable r) {
            onLastHold = r;
        }

        /** Holds now (the handle's or a follower's own, leases, readers); racy, for a follower's polling. */
        long holds() {
            return refs.get();
        }
    }

    /** How versions of one kind are attached, borrowed and inspected. */
    static final class Codec<T extends AutoCloseable> {
        static final Codec<SharedArray> ARRAYS = new Codec<>(SegmentKind.ARRAY,
                (dir, n) -> SharedArray.of(dir.attach(n, Access.READ_ONLY).prefault()), SharedArray::borrow, SharedArray::segment);
        static final Codec<SharedFrame> FRAMES = new Codec<>(SegmentKind.FRAME,
                (dir, n) -> SharedFrame.of(dir.attach(n, Access.READ_ONLY).prefault()), SharedFrame::borrow, SharedFrame::segment);

        final SegmentKind kind;
        private final java.util.function.BiFunction<ShmDirectory, String, T> attach;
        private final Function<T, T> borrow;
        private final Function<T, Segment> segment;

        Codec(SegmentKind kind, java.util.function.BiFunction<ShmDirectory, String, T> attach,
                Function<T, T> borrow, Function<T, Segment> segment) {
            this.kind = kind;
            this.attach = attach;
            this.borrow = borrow;
            this.segment = segment;
        }

        T attach(ShmDirectory dir, String n) {
            return attach.apply(dir, n);
        }

        T borrow(T root) {
            return borrow.apply(root);
        }

        Segment segment(T value) {
            return segment.apply(value);
        }
    }
}
