package io.shm4j.segment;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A mapping of a named shared-memory segment in this process.
 *
 * <p><b>Ownership:</b> a handle is <i>owning</i> when it created a scoped segment for this
 * process (or {@link #adopt adopted} one): closing it unmaps <i>and</i> removes the name. Every
 * other handle only unmaps on close. {@link #unlink()} removes the name from any handle;
 * mappings elsewhere stay valid until closed (Linux semantics).
 *
 * <p><b>Threading:</b> thread-safe. {@link #memory()} may be read by any number of threads;
 * {@link #close()} is idempotent, and after it shm4j methods throw
 * {@link SegmentClosedException} while direct access to the {@link MemorySegment} throws
 * {@link IllegalStateException} — never a crash.
 *
 * <p><b>Processes:</b> published segments that are not mutable are immutable: attach maps them
 * read-only. Writes by one process to a mutable segment are seen by others through the shared
 * page cache; ordering between processes needs the release/acquire operations of the layer
 * above (for example atomic array elements).
 */
public final class Segment implements AutoCloseable {
    private final ShmDirectory directory;
    private final SegmentInfo info;
    private final Arena arena;
    private final MemorySegment memory;
    private final boolean owning;
    /** Null on a handle of its own; the lender on a {@linkplain #borrow() borrowed} one. */
    private final Segment lender;
    private final AtomicBoolean closed;
    /**
     * On an owning handle with the page stock on: the writable mapping that {@code memory} views,
     * kept for the stock when this handle closes ({@code arena} then only ends the view); else null.
     */
    private final KeptMapping kept;

    Segment(ShmDirectory directory, SegmentInfo info, Arena arena, MemorySegment memory, boolean owning) {
        this(directory, info, arena, memory, owning, null);
    }

    Segment(ShmDirectory directory, SegmentInfo info, Arena arena, MemorySegment memory, boolean owning,
            KeptMapping kept) {
        this.directory = directory;
        this.info = info;
        this.arena = arena;
        this.memory = memory;
        this.owning = owning;
        this.lender = null;
        this.closed = new AtomicBoolean();
        this.kept = kept;
    }

    private Segment(Segment lender) {
        this.directory = lender.directory;
        this.info = lender.info;
        this.arena = lender.arena;
        this.memory = lender.memory;
        this.owning = false;
        this.lender = lender;
        this.closed = lender.closed; // closed when the lender is
        this.kept = null; // the lender's
    }

    /**
     * A non-owning handle on this mapping, for a borrower (a pool task, for example): the same
     * memory, valid while this handle is open, and {@link #close()} on it does nothing — a
     * borrower cannot unmap what it does not own. {@link #isClosed()} tells whether the lender
     * closed.
     *
     * @throws SegmentClosedException after {@link #close()}
     */
    public Segment borrow() {
        if (closed.get()) {
            throw closedException();
        }
        return new Segment(lender != null ? lender : this);
    }

    /** Whether this handle was {@linkplain #borrow() borrowed}: closing it does nothing. */
    public boolean isBorrowed() {
        return lender != null;
    }

    /**
     * Creates, reserves and publishes a raw segment of {@code size} zero bytes with the given
     * options (immutable unless {@link ShmOptions#asMutable()}; to fill an immutable segment,
     * {@link #reserve} it, write, then publish). This handle owns a scoped segment.
     */
    public static Segment create(ShmOptions options, long size) {
        PendingSegment pending = reserve(options, size);
        try {
            return pending.publish();
        } catch (RuntimeException e) {
            pending.close();
            throw e;
        }
    }

    /** Reserves a raw segment with the given options, to be written and then published; see {@link PendingSegment}. */
    public static PendingSegment reserve(ShmOptions options, long size) {
        return options.directoryOrCurrent().reserve(options.spec(size, SegmentKind.RAW));
    }

    /** Reserves a segment from a low-level spec in the current shm directory; see {@link PendingSegment}. */
    public static PendingSegment reserve(SegmentSpec spec) {
        return ShmDirectory.current().reserve(spec);
    }

    /** Attaches a segment of the current shm directory read-only. */
    public static Segment attach(String name) {
        return ShmDirectory.current().attach(name, Access.READ_ONLY);
    }

    /** Attaches a segment of the current shm directory. */
    public static Segment attach(String name, Access access) {
        return ShmDirectory.current().attach(name, access);
    }

    /** Attaches exactly the incarnation {@code ref} names, read-only, or throws {@link StaleSegmentException}. */
    public static Segment attach(SegmentRef ref) {
        return attach(ref, Access.READ_ONLY);
    }

    /** Attaches exactly the incarnation {@code ref} names, or throws {@link StaleSegmentException}. */
    public static Segment attach(SegmentRef ref, Access access) {
        return ShmDirectory.current().attach(ref, access);
    }

    /** Attaches a scoped segment owned by this process and takes the owning handle. */
    public static Segment adopt(SegmentRef ref) {
        return ShmDirectory.current().adopt(ref);
    }

    /** The segment's name. */
    public String name() {
        return info.name();
    }

    /** The segment file. */
    public Path path() {
        return info.path();
    }

    /** The size in bytes. */
    public long size() {
        return info.size();
    }

    /** What the bytes hold. */
    public SegmentKind kind() {
        return info.kind();
    }

    /** The metadata snapshot taken when this handle was made. */
    public SegmentInfo info() {
        return info;
    }

    /** The ref that names this incarnation, to send to another process. */
    public SegmentRef ref() {
        return info.ref();
    }

    /** The directory the segment lives in. */
    public ShmDirectory directory() {
        return directory;
    }

    /**
     * The mapped bytes. Read-only unless the segment is mutable and was attached read-write.
     *
     * @throws SegmentClosedException after {@link #close()}
     */
    public MemorySegment memory() {
        if (closed.get()) {
            throw closedException();
        }
        return memory;
    }

    /**
     * Maps every page for reading now ({@code madvise(MADV_POPULATE_READ)}), so that the reads
     * that follow take no page faults: one kernel call instead of a fault per 4 KiB page. Worth it
     * before a process reads the whole segment under a latency budget (a server moving to a new
     * version of a dataset); a no-op where the kernel lacks it (before Linux 5.14).
     *
     * @return this
     * @throws SegmentClosedException after {@link #close()}
     */
    public Segment prefault() {
        try {
            io.shm4j.segment.internal.Native.madvise(memory(), io.shm4j.segment.internal.Native.MADV_POPULATE_READ);
        } catch (io.shm4j.segment.internal.Native.ErrnoException e) {
            // EINVAL on old kernels: the reads will fault the pages in one by one instead.
        }
        return this;
    }

    /** Whether writes through {@link #memory()} are refused. */
    public boolean isReadOnly() {
        return memory.isReadOnly();
    }

    /** Whether closing this handle also removes the segment. */
    public boolean isOwning() {
        return owning;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Removes the name (idempotent; no error if it is already gone, and nothing happens if the
     * name now holds another incarnation). Mappings stay valid until closed.
     */
    public void unlink() {
        OwnedSegments.untrack(info.path());
        OwnedSegments.removeIfSame(info.path(), info.generation());
    }

    /**
     * Unmaps in this process, and on an owning handle also removes the name. Idempotent; does
     * nothing on a {@linkplain #borrow() borrowed} handle.
     */
    @Override
    public void close() {
        if (lender != null || !closed.compareAndSet(false, true)) {
            return;
        }
        boolean unmapped = false;
        try {
            arena.close(); // with a kept mapping: ends this handle's view only
            unmapped = true;
        } finally {
            // With a page stock (shm4j.pageStock), the owner's file (and its kept mapping) is
            // kept aside for reuse instead of being unlinked: to everyone else the name is gone
            // all the same.
            if (!(owning && unmapped && PageStock.deposit(directory, info, kept))) {
                if (kept != null && unmapped) { // never under a view that is still open
                    kept.close();
                }
                if (owning) {
                    unlink();
                }
            }
        }
    }

    /**
     * Unmaps in this process but never removes the name, even on an owning handle: gives the
     * segment up to whoever takes it by its ref (for example a result handed to the caller in
     * the same process, who {@linkplain #adopt adopts} it). A scoped segment stays scoped to its
     * owner: removed when an owning handle is closed, at the owner's normal exit, or by gc after
     * the owner died. Idempotent, and a later {@link #close()} does nothing.
     */
    public void closeWithoutUnlink() {
        if (lender == null && closed.compareAndSet(false, true)) {
            arena.close();
            if (kept != null) { // after the view, never under it
                kept.close();
            }
        }
    }

    SegmentClosedException closedException() {
        return new SegmentClosedException("segment handle is closed: name=" + info.name()
                + ", dir=" + directory.path() + "; attach it again to use it");
    }

    @Override
    public String toString() {
        return "Segment[name=" + info.name() + ", kind=" + info.kind().label() + ", size="
                + info.size() + (isReadOnly() ? ", read-only" : ", read-write")
                + (owning ? ", owning" : "") + (lender != null ? ", borrowed" : "") + (closed.get() ? ", closed" : "") + "]";
    }
}
