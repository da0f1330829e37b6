package io.shm4j.store.internal;

import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.ShmDirectory;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where a store's files are (see the layout in {@code docs/store.md}):
 *
 * <pre>
 *   SHMDIR/STORE.&lt;32 hex&gt;              objects (segments, kind=object)
 *   SHMDIR/.shm4j-store.STORE/          lock, state, members/, pending/, evicting/, spilling/
 *   SPILLDIR/STORE/STORE.&lt;id&gt;.spill     spill files; .tmp.PID.START.&lt;id&gt; while written
 * </pre>
 *
 * Immutable and thread-safe.
 *
 * @param shm the shm directory
 * @param store the store's name
 */
record StorePaths(ShmDirectory shm, String store) {
    /** Prefix of a store's bookkeeping directory in the shm directory. */
    static final String DIR_PREFIX = ".shm4j-store.";
    /** Prefix of the segment layer's temporary files (docs/segment.md): {@code .shm4j-tmp.PID.START.RANDOM}. */
    static final String SEGMENT_TEMP_PREFIX = ".shm4j-tmp.";
    static final String SPILL_SUFFIX = ".spill";
    static final String SPILL_TEMP_PREFIX = ".tmp.";
    private static final Pattern ID = Pattern.compile("[0-9a-f]{32}");

    Path dir() {
        return shm.path().resolve(DIR_PREFIX + store);
    }

    /**
     * Why the store directory must not be used, or null if it is fine or missing: shm4j works only
     * in a real directory (never through a link) owned by this user. In the sticky shm directory
     * no other user can rename or replace an entry this user owns, so the answer stays true.
     */
    String unusable() {
        java.nio.file.attribute.PosixFileAttributes a;
        try {
            a = java.nio.file.Files.readAttributes(dir(), java.nio.file.attribute.PosixFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (java.io.IOException e) {
            return "unreadable (" + e + ")";
        }
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (!a.isDirectory()) {
            return "not a directory";
        }
        try {
            Object uid = java.nio.file.Files.getAttribute(dir(), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!(uid instanceof Integer u) || u != EUID) {
                return OTHER_USER + " (uid=" + uid + ")";
            }
        } catch (java.io.IOException e) {
            return "unreadable (" + e + ")";
        }
        return null;
    }

    static final String OTHER_USER = "owned by another user";
    private static final int EUID = io.shm4j.segment.internal.Native.geteuid();

    Path lock() {
        return dir().resolve("lock");
    }

    Path state() {
        return dir().resolve("state");
    }

    Path members() {
        return dir().resolve("members");
    }

    Path pending() {
        return dir().resolve("pending");
    }

    Path evicting() {
        return dir().resolve("evicting");
    }

    /**
     * Objects moved out of sight while a live process writes their spill files outside the lock;
     * each has a reservation of its spiller under its id (docs/store.md, "evict / spill").
     */
    Path spilling() {
        return dir().resolve("spilling");
    }

    /** The member file of {@code p} (a process of this pid namespace): {@code PID.START.PIDNS}. */
    Path member(ProcessIdentity p) {
        return members().resolve(recorded(p));
    }

    /** A reservation of {@code size} bytes by {@code p} for object {@code id}: {@code PID.START.ID.SIZE}. */
    Path reservation(ProcessIdentity p, String id, long size) {
        return pending().resolve(identity(p) + "." + id + "." + size + (PIDNS != 0 ? "." + PIDNS : ""));
    }

    /** The object named {@code name} in the shm directory. */
    Path object(String name) {
        return shm.path().resolve(name);
    }

    String objectName(String id) {
        return store + "." + id;
    }

    /** Glob of the store's object names in the shm directory. */
    String objectGlob() {
        return store + ".*";
    }

    /** The object id if {@code fileName} names an object of this store. */
    Optional<String> objectId(String fileName) {
        if (!fileName.startsWith(store + ".")) {
            return Optional.empty();
        }
        String id = fileName.substring(store.length() + 1);
        return ID.matcher(id).matches() ? Optional.of(id) : Optional.empty();
    }

    Path spillDir(Path spillRoot) {
        return spillRoot.resolve(store);
    }

    Path spillFile(Path spillRoot, String name) {
        return spillDir(spillRoot).resolve(name + SPILL_SUFFIX);
    }

    Path spillTemp(Path spillRoot, ProcessIdentity p, String name) {
        return spillDir(spillRoot).resolve(SPILL_TEMP_PREFIX + identity(p) + "." + name);
    }

    /** This process's pid namespace, recorded beside every identity this process writes. */
    static final long PIDNS = ProcessIdentity.currentPidNamespace();

    /** {@code PID.START.PIDNS}: an identity with the pid namespace it means something in. */
    static String recorded(ProcessIdentity p) {
        return identity(p) + (PIDNS != 0 ? "." + PIDNS : "");
    }

    /** The pid namespace in field {@code index} of a dotted name, or 0 (unknown) if absent. */
    static long pidNamespaceAt(String s, int index) {
        String[] f = s.split("\\.");
        if (f.length <= index) {
            return 0;
        }
        try {
            return Long.parseLong(f[index]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String identity(ProcessIdentity p) {
        return p.pid() + "." + p.startTicks();
    }

    /** Parses {@code PID.START} at the start of a file name. */
    static Optional<ProcessIdentity> parseIdentity(String s) {
        String[] f = s.split("\\.");
        if (f.length < 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ProcessIdentity(Long.parseLong(f[0]), Long.parseLong(f[1])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
