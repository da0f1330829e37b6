package io.shm4j.array;

import io.shm4j.segment.Lifetime;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.SegmentSpec;
import io.shm4j.segment.ShmDirectory;

/**
 * How to create a {@link SharedArray}: its name, lifetime, mutability, permissions, owner and
 * shm directory. Immutable; each {@code with…} method returns new options.
 *
 * @param name the segment name, or null for a generated unguessable one
 * @param lifetime scoped (dies with its owner, the default) or persistent
 * @param mutable whether the array stays writable after publication (default false)
 * @param mode POSIX permission bits of the segment file (default 0600)
 * @param owner the owning process (default: this one)
 * @param directory the shm directory, or null for {@link ShmDirectory#current()}
 */
public record ArrayOptions(String name, Lifetime lifetime, boolean mutable, int mode,
        ProcessIdentity owner, ShmDirectory directory) {
    public ArrayOptions {
        java.util.Objects.requireNonNull(lifetime, "lifetime");
        java.util.Objects.requireNonNull(owner, "owner");
    }

    /** A generated name, scoped to this process, immutable once published, mode 0600. */
    public static ArrayOptions defaults() {
        return new ArrayOptions(null, Lifetime.SCOPED, false, SegmentSpec.DEFAULT_MODE,
                ProcessIdentity.current(), null);
    }

    /** {@link #defaults()} with a name (null for a generated one). */
    public static ArrayOptions named(String name) {
        return defaults().withName(name);
    }

    public ArrayOptions withName(String newName) {
        return new ArrayOptions(newName, lifetime, mutable, mode, owner, directory);
    }

    public ArrayOptions withLifetime(Lifetime newLifetime) {
        return new ArrayOptions(name, newLifetime, mutable, mode, owner, directory);
    }

    /** Same as {@code withLifetime(Lifetime.PERSISTENT)}. */
    public ArrayOptions persistent() {
        return withLifetime(Lifetime.PERSISTENT);
    }

    /** Same as {@code withMutable(true)}: writable after publication, by every process that attaches it read-write. */
    public ArrayOptions asMutable() {
        return withMutable(true);
    }

    public ArrayOptions withMutable(boolean newMutable) {
        return new ArrayOptions(name, lifetime, newMutable, mode, owner, directory);
    }

    public ArrayOptions withMode(int newMode) {
        return new ArrayOptions(name, lifetime, mutable, newMode, owner, directory);
    }

    public ArrayOptions withOwner(ProcessIdentity newOwner) {
        return new ArrayOptions(name, lifetime, mutable, mode, newOwner, directory);
    }

    public ArrayOptions in(ShmDirectory newDirectory) {
        return new ArrayOptions(name, lifetime, mutable, mode, owner, newDirectory);
    }

    ShmDirectory directoryOrCurrent() {
        return directory != null ? directory : ShmDirectory.current();
    }
}
