package io.shm4j.segment;

import java.util.Objects;

/**
 * How to create any segment-backed object — a raw {@link Segment}, an array, a frame, a store
 * object: its name, lifetime, mutability, permissions, owner and shm directory. One type with
 * the same defaults everywhere: a generated name, {@link Lifetime#SCOPED scoped} to this
 * process, <b>immutable once published</b>, mode 0600, in {@link ShmDirectory#current()}.
 * Immutable; each {@code with…} method returns new options.
 *
 * <pre>{@code
 * ShmOptions.named("prices").persistent().asMutable().withMode(0640)
 * }</pre>
 *
 * @param name the segment name, or null for a generated unguessable one
 * @param lifetime scoped (dies with its owner, the default) or persistent
 * @param mutable whether the object stays writable after publication (default false)
 * @param mode POSIX permission bits of the segment file (default 0600)
 * @param owner the owning process (default: this one); a worker may name its caller
 * @param directory the shm directory, or null for {@link ShmDirectory#current()}
 */
public record ShmOptions(String name, Lifetime lifetime, boolean mutable, int mode,
        ProcessIdentity owner, ShmDirectory directory) {
    /** Default permission bits: owner read and write only. */
    public static final int DEFAULT_MODE = 0600;

    public ShmOptions {
        Objects.requireNonNull(lifetime, "lifetime");
        Objects.requireNonNull(owner, "owner");
        if (name != null) {
            SegmentNames.validate(name);
        }
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("mode must be permission bits 0..0777: mode=0"
                    + Integer.toOctalString(mode));
        }
    }

    /** A generated name, scoped to this process, immutable once published, mode 0600, current directory. */
    public static ShmOptions defaults() {
        return new ShmOptions(null, Lifetime.SCOPED, false, DEFAULT_MODE, ProcessIdentity.current(), null);
    }

    /** {@link #defaults()} with a name (null for a generated one). */
    public static ShmOptions named(String name) {
        return defaults().withName(name);
    }

    /** The same options with another name (null: generated). */
    public ShmOptions withName(String newName) {
        return new ShmOptions(newName, lifetime, mutable, mode, owner, directory);
    }

    /** The same options with another lifetime. */
    public ShmOptions withLifetime(Lifetime newLifetime) {
        return new ShmOptions(name, newLifetime, mutable, mode, owner, directory);
    }

    /** Same as {@code withLifetime(Lifetime.PERSISTENT)}. */
    public ShmOptions persistent() {
        return withLifetime(Lifetime.PERSISTENT);
    }

    /** Same as {@code withMutable(true)}: writable after publication, by every process that attaches it read-write. */
    public ShmOptions asMutable() {
        return withMutable(true);
    }

    /** The same options, mutable or not after publication. */
    public ShmOptions withMutable(boolean newMutable) {
        return new ShmOptions(name, lifetime, newMutable, mode, owner, directory);
    }

    /** The same options with other permission bits. */
    public ShmOptions withMode(int newMode) {
        return new ShmOptions(name, lifetime, mutable, newMode, owner, directory);
    }

    /** The same options with another owner process. */
    public ShmOptions withOwner(ProcessIdentity newOwner) {
        return new ShmOptions(name, lifetime, mutable, mode, newOwner, directory);
    }

    /** The same options in another shm directory. */
    public ShmOptions in(ShmDirectory newDirectory) {
        return new ShmOptions(name, lifetime, mutable, mode, owner, newDirectory);
    }

    /** The directory, or {@link ShmDirectory#current()} when none was given. */
    public ShmDirectory directoryOrCurrent() {
        return directory != null ? directory : ShmDirectory.current();
    }

    /** The low-level spec for {@link ShmDirectory#reserve}: these options, a size and a kind. */
    public SegmentSpec spec(long size, SegmentKind kind) {
        return SegmentSpec.of(size).withName(name).withKind(kind).withLifetime(lifetime).withMutable(mutable)
                .withMode(mode).withOwner(owner);
    }
}
