package io.shm4j.segment;

import io.shm4j.Settings;
import io.shm4j.segment.internal.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This process's page stock: the files of scoped segments it owned and closed, kept under
 * private temporary names ({@code .shm4j-tmp.PID.START.stock-RANDOM}) instead of being
 * unlinked, so that a later creation that overwrites every byte
 * ({@link ShmDirectory#reserveForOverwrite}) reuses their allocated tmpfs pages instead of
 * allocating and zeroing fresh ones. Off unless {@link Settings#pageStockBytes()} is set; capped
 * in bytes (the oldest files go first).
 *
 * <p><b>Which files:</b> only a file this process published and owns, closed by its owning
 * handle, at least {@value #MIN_BYTES} bytes: on close its name is renamed to a stock name
 * (atomically: other processes now miss the name, as after an unlink), and the moved file's
 * generation, owner and type are checked there; a file that is not the incarnation the handle
 * owned gets its name back. The stock is a list in this process's memory: a file is taken only
 * from that list, never by scanning the directory, so a file planted under a stock name is never
 * taken; before reuse its inode, owner and generation are checked again.
 *
 * <p><b>Kept mappings:</b> the owner of a segment headed for the stock keeps its writable
 * mapping and descriptor ({@link KeptMapping}; its handle only had a view of it, closed with the
 * handle), and the stock keeps them with the file: the next creation on that file copies
 * through page-table entries that already exist ({@link PendingSegment#reusesMapping()}).
 *
 * <p><b>Never while mapped elsewhere:</b> a stock file is handed out only through
 * {@link ShmDirectory#recycle}, which takes a write lease first (granted by the kernel only when
 * no other open file description of the inode exists: no descriptor, no mapping, in any process,
 * this one included — the lease is asked for on the kept descriptor, so only the kept mapping
 * itself is exempt). A process that still maps the old segment (a reader that attached it before
 * the close) keeps its bytes: the file stays in the stock, untouched, and a later take tries it
 * again (the oldest of equal sizes first), so its pages serve once that reader lets go — a
 * dataset writer's replaced version is often still mapped by a slow reader at the next publish
 * and free at the one after. The cap bounds such files like any other. Stock names start with
 * {@code .}, which no attach accepts.
 *
 * <p><b>After a crash:</b> stock names are temporary names of this process, so {@code shm4j gc}
 * (Java or Python), pool start and the store's recovery remove them once this process is dead
 * (judged by the file's metadata, as for any temporary file); a normal exit removes them in the
 * shutdown hook. A full tmpfs at creation releases the stock and retries before failing.
 *
 * <p><b>Threading:</b> thread-safe (one lock per process; the file operations of a deposit or a
 * take run under it).
 */
final class PageStock {
    /** Smaller segments are unlinked as before: their pages are cheap to allocate. */
    static final long MIN_BYTES = 1L << 20;

    /** A stock file; {@code kept} is this process's writable mapping of it, or null. */
    private record Entry(Path dir, Path file, long size, Object inode, long generation, KeptMapping kept) {
        /** Drops the kept mapping (unmaps, closes its descriptor). */
        void unmap() {
            if (kept != null) {
                kept.close();
            }
        }
    }

    private static final List<Entry> ENTRIES = new ArrayList<>(); // oldest first
    /** Paths whose next publish by this process keeps its writable mapping ({@link #claimKeepRequest}). */
    private static final Set<Path> KEEP_REQUESTS = ConcurrentHashMap.newKeySet();
    /**
     * Writable mappings of published files, not owned by a handle, that this process means to
     * move into the stock by name later ({@link ShmDirectory#moveToPageStock}): a dataset
     * writer's current version. Each holds no memory of its own while its file has a name.
     */
    private static final List<Parked> PARKED = new ArrayList<>();

    /** A parked mapping and the generation of the segment it maps. */
    private record Parked(KeptMapping kept, long generation) {}

    private PageStock() {}

    /**
     * Whether a segment of {@code size} bytes that this process owns would go into the stock
     * when closed (the stock is on and the size fits): then its creator keeps the mapping and
     * its descriptor for the stock ({@link PendingSegment#publish()}).
     */
    static boolean keepsMapping(long size) {
        try {
            long cap = Settings.pageStockBytes();
            return cap > 0 && size >= MIN_BYTES && size <= cap;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Keeps the file of a just-closed owning handle in the stock instead of unlinking it, with
     * the handle's writable mapping {@code kept} (null if it kept none; the handle's own views
     * are closed already).
     *
     * @return whether it was kept, with {@code kept} (false: the caller closes {@code kept} and
     *     unlinks as before)
     */
    static boolean deposit(ShmDirectory dir, SegmentInfo info, KeptMapping kept) {
        long cap;
        try {
            cap = Settings.pageStockBytes();
        } catch (RuntimeException e) {
            return false; // a bad setting never stops a close from unlinking (creation reports it)
        }
        if (cap <= 0 || info.size() < MIN_BYTES || info.size() > cap) {
            return false;
        }
        synchronized (ENTRIES) {
            Path stock = dir.path().resolve(SegmentNames.stockName(ProcessIdentity.current()));
            try {
                Files.move(info.path(), stock, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                return false; // gone already, or not ours to move
            }
            Object inode;
            try {
                PosixFileAttributes a = Files.readAttributes(stock, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                Long gen = ShmDirectory.readGeneration(stock);
                inode = Files.getAttribute(stock, "unix:ino", LinkOption.NOFOLLOW_LINKS);
                Object uid = Files.getAttribute(stock, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                if (!a.isRegularFile() || gen == null || gen != info.generation()
                        || !(uid instanceof Integer u && u == Native.geteuid()) || a.size() != info.size()) {
                    giveBack(stock, info.path()); // another incarnation took the name meanwhile
                    return false;
                }
            } catch (IOException | RuntimeException e) {
                giveBack(stock, info.path());
                return false;
            }
            OwnedSegments.untrack(info.path());
            OwnedSegments.track(stock, 0); // removed at a normal exit; gc removes it after a crash
            ENTRIES.add(new Entry(dir.path(), stock, info.size(), inode, info.generation(), kept));
            trim(cap);
            return true;
        }
    }

    /**
     * A pending segment over a stock file of {@code dir} (the smallest at least
     * {@code spec.size()} bytes, else the largest; the oldest of equal sizes), or empty when the
     * stock has none that nobody else maps. A file still mapped or open elsewhere stays in the
     * stock (its reader keeps its bytes) and is tried again by later takes: once that reader
     * lets go, its pages are free to reuse.
     */
    static Optional<PendingSegment> take(ShmDirectory dir, SegmentSpec spec) {
        synchronized (ENTRIES) {
            if (Settings.pageStockBytes() <= 0) {
                release(dir);
                return Optional.empty();
            }
            List<Entry> refused = new ArrayList<>();
            Entry e;
            while ((e = pick(dir.path(), spec.size(), refused)) != null) {
                if (!stillOurs(e)) {
                    drop(e);
                    e.unmap();
                    continue; // replaced under our name: not ours to reuse or remove
                }
                KeptMapping kept = e.kept();
                if (kept != null && kept.size() < spec.size()) {
                    kept.close(); // too small to reuse; its descriptor would fail the check below
                    Entry plain = new Entry(e.dir(), e.file(), e.size(), e.inode(), e.generation(), null);
                    ENTRIES.set(ENTRIES.indexOf(e), plain);
                    e = plain;
                    kept = null;
                }
                Optional<PendingSegment> p;
                try {
                    // with the kept mapping: the pending segment takes it over (its page-table
                    // entries too); the check that nobody else has the file is made on its descriptor
                    p = dir.recycle(spec, e.file(), kept);
                } catch (OutOfSharedMemoryException x) {
                    // the grown tail did not fit (the stock file was removed): free the rest, use fresh pages
                    drop(e);
                    e.unmap();
                    release(dir);
                    return Optional.empty();
                } catch (RuntimeException | Error x) {
                    drop(e);
                    e.unmap();
                    delete(e.file()); // whatever failed, a stock file is never left untracked
                    throw x;
                }
                if (p.isPresent()) {
                    drop(e); // renamed by the recycle: the pending segment owns the file and the kept mapping
                    return p;
                }
                // Someone still maps or holds the old file: it keeps its bytes; the file stays here.
                refused.add(e);
            }
            return Optional.empty();
        }
    }

    /**
     * Asks that the segment this process publishes next at {@code file} keep its writable
     * mapping, parked here until {@link #unpark} (the file moves into the stock) or
     * {@link #forget}. Does nothing when the stock is off.
     */
    static void requestKeep(Path file) {
        if (keepsMapping(MIN_BYTES)) {
            KEEP_REQUESTS.add(file);
        }
    }

    /** Whether a keep was requested for {@code file}; takes the request (a publish uses it up, kept or not). */
    static boolean claimKeepRequest(Path file) {
        return !KEEP_REQUESTS.isEmpty() && KEEP_REQUESTS.remove(file);
    }

    /** Parks the kept mapping of a just-published file (segment {@code generation}) that is not owned by its handle. */
    static void park(KeptMapping kept, long generation) {
        synchronized (ENTRIES) {
            sweepParked();
            PARKED.add(new Parked(kept, generation));
        }
    }

    /** The parked mapping of the file now at {@code file} (not followed if a link), taken off the list; or null. */
    static KeptMapping unpark(Path file) {
        synchronized (ENTRIES) {
            sweepParked();
            for (Iterator<Parked> it = PARKED.iterator(); it.hasNext(); ) {
                Parked p = it.next();
                if (p.kept().isAt(file)) {
                    it.remove();
                    return p.kept();
                }
            }
            return null;
        }
    }

    /** Closes the parked mapping of the segment created with {@code generation}, wherever its file is now. */
    static void forget(long generation) {
        KeptMapping k = null;
        synchronized (ENTRIES) {
            for (Iterator<Parked> it = PARKED.iterator(); it.hasNext(); ) {
                Parked p = it.next();
                if (p.generation() == generation) {
                    it.remove();
                    k = p.kept();
                    break;
                }
            }
        }
        if (k != null) {
            k.close();
        }
    }

    /**
     * Withdraws a keep request for {@code file} and closes the parked mapping of the file now
     * there, if any (its holder will not move it into the stock).
     */
    static void forget(Path file) {
        KEEP_REQUESTS.remove(file);
        KeptMapping k = unpark(file);
        if (k != null) {
            k.close();
        }
    }

    /** Closes parked mappings whose file lost every name (removed by anyone): they alone held its memory. */
    private static void sweepParked() {
        for (Iterator<Parked> it = PARKED.iterator(); it.hasNext(); ) {
            KeptMapping k = it.next().kept();
            if (!k.isLinked()) {
                it.remove();
                k.close();
            }
        }
    }

    /** Takes {@code e} off the list (its file is no longer a stock file of this process). */
    private static void drop(Entry e) {
        ENTRIES.remove(e);
        OwnedSegments.untrack(e.file());
    }

    /** Removes this process's stock files of {@code dir}; returns the bytes they held. */
    static long release(ShmDirectory dir) {
        long freed = 0;
        synchronized (ENTRIES) {
            sweepParked();
            for (Iterator<Entry> it = ENTRIES.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.dir().equals(dir.path())) {
                    it.remove();
                    e.unmap();
                    OwnedSegments.untrack(e.file());
                    if (stillOurs(e) && delete(e.file())) {
                        freed += e.size();
                    }
                }
            }
        }
        return freed;
    }

    /** Bytes this process holds in stock in {@code dir}. */
    static long bytes(ShmDirectory dir) {
        long n = 0;
        synchronized (ENTRIES) {
            for (Entry e : ENTRIES) {
                if (e.dir().equals(dir.path())) {
                    n += e.size();
                }
            }
        }
        return n;
    }

    private static Entry pick(Path dir, long size, List<Entry> skip) {
        Entry fit = null;
        Entry largest = null;
        for (Entry e : ENTRIES) {
            if (!e.dir().equals(dir) || skip.contains(e)) {
                continue;
            }
            if (e.size() >= size && (fit == null || e.size() < fit.size())) {
                fit = e;
            }
            if (largest == null || e.size() > largest.size()) {
                largest = e;
            }
        }
        return fit != null ? fit : largest;
    }

    private static void trim(long cap) {
        long total = 0;
        for (Entry e : ENTRIES) {
            total += e.size();
        }
        while (total > cap && !ENTRIES.isEmpty()) {
            Entry oldest = ENTRIES.removeFirst();
            oldest.unmap();
            OwnedSegments.untrack(oldest.file());
            if (stillOurs(oldest)) {
                delete(oldest.file());
            }
            total -= oldest.size();
        }
    }

    /** Whether the stock name still holds the file this process put there. */
    private static boolean stillOurs(Entry e) {
        try {
            PosixFileAttributes a = Files.readAttributes(e.file(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || !e.inode().equals(Files.getAttribute(e.file(), "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                return false;
            }
            Long gen = ShmDirectory.readGeneration(e.file());
            return gen != null && gen == e.generation();
        } catch (IOException | RuntimeException x) {
            return false;
        }
    }

    private static void giveBack(Path stock, Path name) {
        try {
            Files.createLink(name, stock);
            Files.delete(stock);
        } catch (IOException | RuntimeException e) {
            // The name was taken again meanwhile; the stock name is a temporary name of this
            // process, so gc reclaims the file once this process is gone.
        }
    }

    private static boolean delete(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            return false;
        }
    }
}
