package io.shm4j.segment;

import java.nio.file.Path;
import java.time.Instant;

/**
 * What the shm directory says about one segment file: a snapshot, taken when listed.
 *
 * @param name the segment name
 * @param path the file
 * @param kind what the bytes hold ({@link SegmentKind#FOREIGN} without shm4j metadata)
 * @param size the size in bytes
 * @param lifetime scoped or persistent (null for foreign files)
 * @param owner the owning process (null for foreign files)
 * @param ownerAlive whether the owner is running (false for foreign files)
 * @param created creation time (the file's modification time for foreign files)
 * @param generation the incarnation (0 for foreign files)
 * @param mutable whether the segment may be written after publication
 * @param mode the POSIX permission bits
 */
public record SegmentInfo(String name, Path path, SegmentKind kind, long size, Lifetime lifetime,
        ProcessIdentity owner, boolean ownerAlive, Instant created, long generation,
        boolean mutable, int mode) {

    /** True for files shm4j did not create. */
    public boolean foreign() {
        return kind == SegmentKind.FOREIGN;
    }

    /** The ref that names this incarnation. */
    public SegmentRef ref() {
        return new SegmentRef(name, kind, size, generation);
    }
}
