package io.shm4j.segment;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A segment being created: reserved in full under a temporary name and mapped read-write,
 * invisible to other processes until {@link #publish()}.
 *
 * <p><b>Ownership:</b> the caller. {@link #publish()} turns it into a {@link Segment} (the
 * same mapping); {@link #close()} before publishing aborts: unmaps and removes the temporary
 * file. After a crash, gc removes the temporary file.
 *
 * <p><b>Threading:</b> the bytes may be written by many threads; {@code publish} and
 * {@code close} must not race with writes or each other.
 */
public final class PendingSegment implements AutoCloseable {
    private final ShmDirectory directory;
    private final SegmentSpec spec;
    private final String name;
    private final Path tempPath;
    private final long generation;
    private final long createdMillis;
    private final Arena arena;
    private final MemorySegment memory;
    /** The whole mapping ({@code memory} is its first {@code spec.size()} bytes). */
    private final MemorySegment mapping;
    private final boolean recycled;
    private final boolean reusesMapping;
    private final AtomicBoolean done = new AtomicBoolean();
    /** Whether {@link #write} filled pages without touching them through the mapping. */
    private volatile boolean written;

    private int fd; // the temporary file, read-write; closed by publish or close (-1 then)

    PendingSegment(ShmDirectory directory, SegmentSpec spec, String name, Path tempPath,
            long generation, long createdMillis, Arena arena, MemorySegment mapping, boolean recycled,
            boolean reusesMapping, int fd) {
        this.fd = fd;
        this.recycled = recycled;
        this.reusesMapping = reusesMapping;
        this.mapping = mapping;
        this.directory = directory;
        this.spec = spec;
        this.name = name;
        this.tempPath = tempPath;
        this.generation = generation;
        this.createdMillis = createdMillis;
        this.arena = arena;
        this.memory = mapping.byteSize() == spec.size() ? mapping : mapping.asSlice(0, spec.size());
    }

    /** The name the segment will be published under. */
    public String name() {
        return name;
    }

    /** The reserved size in bytes. */
    public long size() {
        return spec.size();
    }

    /** The spec it was created with. */
    public SegmentSpec spec() {
        return spec;
    }

    /**
     * Whether the pages were recycled ({@link ShmDirectory#recycle}): then {@link #memory()}
     * holds the old file's bytes, not zeros, and the writer must write every byte.
     */
    public boolean recycled() {
        return recycled;
    }

    /**
     * Whether {@link #memory()} is a mapping this process kept from a segment it closed (page
     * stock, {@link ShmDirectory#reserveForOverwrite}): its pages were touched through this very
     * mapping before, so a copy through {@link #memory()} takes no page fault and is faster than
     * {@link #write} — on a VM with shadow page tables, several times faster (docs/segment.md).
     * False for fresh or newly mapped pages, where {@link #write} is the fast way.
     */
    public boolean reusesMapping() {
        return reusesMapping;
    }

    /** The bytes to write, read-write: zero-filled at first unless {@link #recycled()}. */
    public MemorySegment memory() {
        if (done.get()) {
            throw new SegmentClosedException("pending segment was already published or aborted: name="
                    + name + "; use the Segment that publish() returned");
        }
        return memory;
    }

    /**
     * Copies {@code src} into the segment at {@code offset} through the file ({@code pwrite}),
     * not through the mapping: the kernel fills the file's pages without mapping them into this
     * process, so a large write into fresh (or recycled, not yet mapped) shared memory takes no
     * page fault per 4 KiB page — several times faster than a copy through {@link #memory()}
     * on 4 KiB tmpfs pages (measured 0.4 s vs 3.4 s for 500 MiB on a VM; see docs/segment.md).
     * {@link #memory()} sees the bytes at once. {@code src} may be native memory, a mapping or a
     * Java array's memory ({@link MemorySegment#ofArray}), which is read in place (in 8 MiB
     * calls, so a garbage collection waits at most one call).
     *
     * <p>Do not call {@link #prefault()} before: it maps the pages this call avoids mapping.
     *
     * @throws IndexOutOfBoundsException if the range is outside the segment
     * @throws SegmentException if the kernel refuses the write ({@code errno} in the message)
     */
    public void write(long offset, MemorySegment src) {
        MemorySegment target = memory(); // checks that it is still pending
        java.util.Objects.checkFromIndexSize(offset, src.byteSize(), target.byteSize());
        if (src.byteSize() == 0) {
            return;
        }
        written = true;
        try {
            io.shm4j.segment.internal.Native.pwriteFully(fd, src, offset);
        } catch (io.shm4j.segment.internal.Native.ErrnoException e) {
            throw new SegmentException("cannot write into pending segment: name=" + name + ", offset=" + offset
                    + ", bytes=" + src.byteSize() + ", " + e.getMessage() + "; check the shm directory " + directory.path());
        }
    }

    /**
     * Maps every page now ({@code madvise(MADV_POPULATE_WRITE)}), so that a bulk write of the
     * whole segment that follows takes no page faults: one kernel call instead of a fault per
     * 4 KiB page. Worth it before filling the segment completely; a no-op where the kernel
     * lacks it (before Linux 5.14).
     *
     * @return this
     */
    public PendingSegment prefault() {
        memory(); // checks that it is still pending
        populate();
        return this;
    }

    /**
     * Sets up this process's page-table entries for every page of the segment in one call
     * ({@code MADV_POPULATE_WRITE}): before a bulk write, or for a mapping kept for the page stock
     * whose pages {@link #write} filled without touching them (244 MiB on the AMD host: 65 ms,
     * against 110 ms more for a copy that faults on each page).
     */
    private void populate() {
        try {
            io.shm4j.segment.internal.Native.madvise(memory, io.shm4j.segment.internal.Native.MADV_POPULATE_WRITE);
        } catch (io.shm4j.segment.internal.Native.ErrnoException e) {
            // EINVAL on old kernels: the writes will fault the pages in one by one instead.
        }
    }

    /**
     * Publishes atomically under the final name. Other processes see the segment complete or
     * not at all.
     *
     * @return the published segment, sharing this mapping; owning if scoped and owned by this
     *     process; read-only unless the spec is mutable
     * @throws SegmentExistsException if the name was taken meanwhile (this pending segment stays
     *     open: close it to abort)
     */
    public Segment publish() {
        if (done.get()) {
            throw new SegmentClosedException("pending segment was already published or aborted: name=" + name);
        }
        Path target = directory.path().resolve(name);
        try {
            Files.createLink(target, tempPath);
        } catch (FileAlreadyExistsException e) {
            throw new SegmentExistsException("segment already exists: name=" + name + ", dir="
                    + directory.path() + "; choose another name or remove it with `shm4j rm " + name + "`");
        } catch (IOException e) {
            throw ShmDirectory.ioFailure("publish", name, directory.path(), e);
        }
        done.set(true);
        try {
            Files.deleteIfExists(tempPath);
        } catch (IOException ignored) {
            // The name is published; gc removes the temporary name once this process is gone.
        }
        OwnedSegments.untrack(tempPath);
        boolean owning = spec.lifetime() == Lifetime.SCOPED
                && spec.owner().equals(ProcessIdentity.current());
        if (owning) {
            OwnedSegments.track(target, generation);
        }
        SegmentInfo info = new SegmentInfo(name, target, spec.kind(), spec.size(), spec.lifetime(),
                spec.owner(), true, java.time.Instant.ofEpochMilli(createdMillis), generation,
                spec.mutable(), spec.mode());
        boolean asked = !owning && PageStock.claimKeepRequest(target); // a request is used up by this publish either way
        if (fd >= 0 && PageStock.keepsMapping(spec.size()) && (owning || asked)) {
            // The page stock will take this file back — when the owning handle closes, or when
            // the file is moved there by name (a dataset's replaced version, which asked for this
            // with ShmDirectory.keepMappingOnPublish): keep the mapping (and its descriptor, on
            // which reuse checks that nobody else has the file) so that the next creation writes
            // through page-table entries that already exist. The handle gets a view of its own,
            // which its close makes inaccessible without unmapping.
            Object key = fileKey(target);
            if (key != null) {
                if (!reusesMapping || written) {
                    populate(); // so that the creation that reuses it copies without a fault per page
                }
                KeptMapping kept = new KeptMapping(fd, arena, mapping, key);
                fd = -1; // the kept mapping owns it now
                Arena viewArena = Arena.ofShared();
                MemorySegment view = io.shm4j.segment.internal.Native.view(mapping, spec.size(), viewArena);
                if (!owning) {
                    PageStock.park(kept, generation); // until moved into the stock, or forgotten
                }
                return new Segment(directory, info, viewArena, spec.mutable() ? view : view.asReadOnly(), owning,
                        owning ? kept : null);
            }
        }
        closeFd();
        MemorySegment view = spec.mutable() ? memory : memory.asReadOnly();
        return new Segment(directory, info, arena, view, owning, null);
    }

    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Publishes like {@link #publish()}, but keeps this segment's writable mapping and its
     * descriptor as a {@link KeptMapping} for a later recycle of the same pages; the returned
     * segment has a read-only mapping of its own. For a segment of size 0 nothing is kept
     * ({@code kept} is null).
     *
     * @throws SegmentExistsException if the name was taken meanwhile (this pending segment stays
     *     open: close it to abort)
     */
    public KeptMapping.Published publishKeepingMapping() {
        if (spec.size() == 0 || spec.mutable() || fd < 0) {
            return new KeptMapping.Published(publish(), null);
        }
        Path target = directory.path().resolve(name);
        if (done.get()) {
            throw new SegmentClosedException("pending segment was already published or aborted: name=" + name);
        }
        Arena viewArena = Arena.ofShared();
        MemorySegment view;
        try {
            view = io.shm4j.segment.internal.Native.mmap(fd, spec.size(), false, viewArena);
        } catch (io.shm4j.segment.internal.Native.ErrnoException e) {
            viewArena.close();
            throw new SegmentException("cannot map pending segment: name=" + name + ", " + e.getMessage());
        }
        try {
            Files.createLink(target, tempPath);
        } catch (FileAlreadyExistsException e) {
            viewArena.close();
            throw new SegmentExistsException("segment already exists: name=" + name + ", dir="
                    + directory.path() + "; choose another name or remove it with `shm4j rm " + name + "`");
        } catch (IOException e) {
            viewArena.close();
            throw ShmDirectory.ioFailure("publish", name, directory.path(), e);
        }
        done.set(true);
        Object key = fileKey(target); // null never matches: the mapping is closed at the first check
        KeptMapping kept = new KeptMapping(fd, arena, memory, key); // the segment's bytes, no more
        fd = -1; // the kept mapping owns it now
        try {
            Files.deleteIfExists(tempPath);
        } catch (IOException ignored) {
            // The name is published; gc removes the temporary name once this process is gone.
        }
        OwnedSegments.untrack(tempPath);
        boolean owning = spec.lifetime() == Lifetime.SCOPED && spec.owner().equals(ProcessIdentity.current());
        if (owning) {
            OwnedSegments.track(target, generation);
        }
        SegmentInfo info = new SegmentInfo(name, target, spec.kind(), spec.size(), spec.lifetime(),
                spec.owner(), true, java.time.Instant.ofEpochMilli(createdMillis), generation,
                spec.mutable(), spec.mode());
        return new KeptMapping.Published(new Segment(directory, info, viewArena, view, owning, null), kept);
    }

    /** Aborts an unpublished creation: unmaps and removes the temporary file. Idempotent. */
    @Override
    public void close() {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        try {
            closeFd();
            arena.close();
        } finally {
            try {
                Files.deleteIfExists(tempPath);
            } catch (IOException ignored) {
                // gc removes it once this process is gone
            }
            OwnedSegments.untrack(tempPath);
        }
    }

    private void closeFd() {
        if (fd >= 0) {
            io.shm4j.segment.internal.Native.close(fd);
            fd = -1;
        }
    }
}
