package io.shm4j.segment;

import io.shm4j.segment.internal.Native;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The writable mapping of a published segment that its writer kept
 * ({@link PendingSegment#publishKeepingMapping()}), for writing the same pages again once they
 * are recycled ({@link ShmDirectory#recycle(SegmentSpec, java.nio.file.Path, KeptMapping)}). A
 * mapping that user space has written through keeps its page-table entries, so a later copy into
 * it takes no page fault — on a VM with shadow page tables the first touch of a 4 KiB page
 * through a mapping costs far more than copying it (docs/segment.md).
 *
 * <p>It is never a way to write a published segment: {@link #memory()} may only be written
 * after the recycle that took the file back succeeded (which proves that nobody else has it
 * open or mapped). Until then it holds the file's memory in this process — if the file is
 * removed meanwhile, its pages stay allocated until {@link #close()}, so its holder must close
 * it as soon as the file leaves its name ({@link #isAt}).
 *
 * <p>Ownership: the caller of {@code publishKeepingMapping}; a successful recycle takes it over
 * (then {@link #isOpen()} is false here). Thread-safety: {@code close} is idempotent and
 * thread-safe; it must not race with a recycle of the same mapping.
 */
public final class KeptMapping implements AutoCloseable {
    private final int fd;
    private final Arena arena;
    private final MemorySegment memory;
    private final Object fileKey;
    private final AtomicBoolean done = new AtomicBoolean();

    KeptMapping(int fd, Arena arena, MemorySegment memory, Object fileKey) {
        this.fd = fd;
        this.arena = arena;
        this.memory = memory;
        this.fileKey = fileKey;
    }

    /** The mapped bytes (read-write; see the class comment for when they may be written). */
    public MemorySegment memory() {
        return memory;
    }

    /** The mapped size. */
    public long size() {
        return memory.byteSize();
    }

    /** Whether {@code file} (not followed if a link) is the file this mapping maps. */
    public boolean isAt(java.nio.file.Path file) {
        try {
            return fileKey != null && fileKey.equals(java.nio.file.Files.readAttributes(file,
                    java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey());
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Whether the file still has a name anywhere ({@code fstat}'s link count on the kept
     * descriptor): once it has none, the mapping is all that holds its memory.
     */
    boolean isLinked() {
        if (done.get()) {
            return false;
        }
        try {
            return Native.fstat(fd).links() > 0;
        } catch (Native.ErrnoException e) {
            return false;
        }
    }

    /** Whether this handle still owns the mapping (not closed, not taken over by a recycle). */
    public boolean isOpen() {
        return !done.get();
    }

    int fd() {
        return fd;
    }

    Arena arena() {
        return arena;
    }

    /** Hands the descriptor and mapping to a pending segment; false if closed already. */
    boolean takeOver() {
        return done.compareAndSet(false, true);
    }

    /** Unmaps and closes the descriptor. Idempotent. */
    @Override
    public void close() {
        if (done.compareAndSet(false, true)) {
            try {
                arena.close();
            } finally {
                Native.close(fd);
            }
        }
    }

    /**
     * A segment published with its writable mapping kept.
     *
     * @param segment the published segment (its own read-only mapping; close it as usual)
     * @param kept the writable mapping, owned by the caller
     */
    public record Published(Segment segment, KeptMapping kept) {}
}
