package io.shm4j.segment;

import io.shm4j.Settings;

/**
 * The low-level form of what {@link ShmDirectory#reserve} creates: {@link ShmOptions} plus the
 * size, kind and huge-page advice ({@link ShmOptions#spec}). Immutable; each {@code with} method
 * returns a new spec. Same defaults as {@link ShmOptions#defaults()}.
 *
 * @param size bytes to reserve (≥ 0)
 * @param name the name, or null for a generated unguessable one
 * @param kind what the bytes will hold
 * @param lifetime scoped (default) or persistent
 * @param owner the owning process (default: this one); a worker may name its caller
 * @param mode POSIX permission bits of the file (default 0600)
 * @param mutable whether the segment stays writable after publication (default false)
 * @param hugePages whether to ask for transparent huge pages on the mapping
 */
public record SegmentSpec(long size, String name, SegmentKind kind, Lifetime lifetime,
        ProcessIdentity owner, int mode, boolean mutable, boolean hugePages) {
    /** Default permission bits: owner read and write only. */
    public static final int DEFAULT_MODE = ShmOptions.DEFAULT_MODE;

    public SegmentSpec {
        if (size < 0) {
            throw new IllegalArgumentException("segment size must be >= 0: size=" + size);
        }
        if (name != null) {
            SegmentNames.validate(name);
        }
        if (kind == null || kind == SegmentKind.FOREIGN) {
            throw new IllegalArgumentException("kind must be raw, array, frame or object: kind=" + kind);
        }
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits 0..0777: mode=0"
                    + Integer.toOctalString(mode));
        }
        java.util.Objects.requireNonNull(lifetime, "lifetime");
        java.util.Objects.requireNonNull(owner, "owner");
    }

    /** A scoped, immutable raw segment of {@code size} bytes with a generated name, owned by this process. */
    public static SegmentSpec of(long size) {
        return new SegmentSpec(size, null, SegmentKind.RAW, Lifetime.SCOPED,
                ProcessIdentity.current(), DEFAULT_MODE, false, Settings.hugePages());
    }

    public SegmentSpec withName(String newName) {
        return new SegmentSpec(size, newName, kind, lifetime, owner, mode, mutable, hugePages);
    }

    public SegmentSpec withKind(SegmentKind newKind) {
        return new SegmentSpec(size, name, newKind, lifetime, owner, mode, mutable, hugePages);
    }

    public SegmentSpec withLifetime(Lifetime newLifetime) {
        return new SegmentSpec(size, name, kind, newLifetime, owner, mode, mutable, hugePages);
    }

    /** Same as {@code withLifetime(Lifetime.PERSISTENT)}. */
    public SegmentSpec persistent() {
        return withLifetime(Lifetime.PERSISTENT);
    }

    public SegmentSpec withOwner(ProcessIdentity newOwner) {
        return new SegmentSpec(size, name, kind, lifetime, newOwner, mode, mutable, hugePages);
    }

    public SegmentSpec withMode(int newMode) {
        return new SegmentSpec(size, name, kind, lifetime, owner, newMode, mutable, hugePages);
    }

    public SegmentSpec withMutable(boolean newMutable) {
        return new SegmentSpec(size, name, kind, lifetime, owner, mode, newMutable, hugePages);
    }

    public SegmentSpec withHugePages(boolean newHugePages) {
        return new SegmentSpec(size, name, kind, lifetime, owner, mode, mutable, newHugePages);
    }

    public SegmentSpec withSize(long newSize) {
        return new SegmentSpec(newSize, name, kind, lifetime, owner, mode, mutable, hugePages);
    }
}
