package io.shm4j.store.internal;

import io.shm4j.segment.ProcessIdentity;
import io.shm4j.store.ObjectStoreException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A snapshot of a store's files: objects in memory with their pins and last access, live
 * reservations, spill files. Read without the lock (for inspection) or under it (for the
 * put/evict decision, where it is exact).
 *
 * <p>Not thread-safe (one scan, one thread); liveness answers are cached for the scan.
 */
final class StoreScan {
    private final StorePaths paths;
    private final Map<ObjectXattrs.Pin, Boolean> alive = new HashMap<>();

    StoreScan(StorePaths paths) {
        this.paths = paths;
    }

    /**
     * An object in memory.
     *
     * @param name its name
     * @param id its id
     * @param size its size
     * @param lastAccess its file's atime
     * @param metadata the store's metadata, null while a put is completing
     * @param pins live pinners
     * @param reserved whether a live put still holds its reservation
     */
    record Resident(String name, String id, long size, FileTime lastAccess, ObjectXattrs.Metadata metadata,
            List<ProcessIdentity> pins, boolean reserved) {
        boolean pinned() {
            return reserved || !pins.isEmpty();
        }

        CapacityPlanner.Candidate candidate() {
            return new CapacityPlanner.Candidate(name, size, lastAccess.to(TimeUnit.NANOSECONDS), pinned());
        }
    }

    /**
     * A spill file.
     *
     * @param name the object's name
     * @param size the file's size (header included)
     * @param modified when it was written
     */
    record Spilled(String name, long size, FileTime modified) {}

    /** The one liveness check ({@link ProcessIdentity#mayBeAlive}), cached for the scan. */
    boolean mayBeAlive(ProcessIdentity p, long pidns) {
        return alive.computeIfAbsent(new ObjectXattrs.Pin(p, pidns, ""), k -> k.who().mayBeAlive(k.pidns()));
    }

    boolean mayBeAlive(ObjectXattrs.Pin pin) {
        return mayBeAlive(pin.who(), pin.pidns());
    }

    /** Whether the process a member file or reservation ({@code PID.START...}) names may be alive. */
    boolean recordedMayBeAlive(ProcessIdentity p, String fileName, int pidnsField) {
        return mayBeAlive(p, StorePaths.pidNamespaceAt(fileName, pidnsField));
    }

    /** Live reservations: object id → size. With {@code removeDead}, dead ones are deleted. */
    Map<String, Long> reservations(boolean removeDead) {
        Map<String, Long> out = new HashMap<>();
        for (Path f : list(paths.pending(), "*")) {
            String[] p = f.getFileName().toString().split("\\.");
            Optional<ProcessIdentity> who = StorePaths.parseIdentity(f.getFileName().toString());
            if ((p.length != 4 && p.length != 5) || who.isEmpty()) {
                continue;
            }
            if (recordedMayBeAlive(who.get(), f.getFileName().toString(), 4)) {
                try {
                    out.put(p[2], Long.parseLong(p[3]));
                } catch (NumberFormatException e) {
                    // not ours
                }
            } else if (removeDead) {
                deleteQuietly(f);
            }
        }
        return out;
    }

    /**
     * The store's objects in memory. With {@code eraseDeadPins} (lock holders only), pins of
     * dead processes are removed from the files.
     */
    List<Resident> residents(Map<String, Long> reservations, boolean eraseDeadPins) {
        List<Resident> out = new ArrayList<>();
        for (Path f : list(paths.shm().path(), paths.objectGlob())) {
            String name = f.getFileName().toString();
            Optional<String> id = paths.objectId(name);
            if (id.isEmpty()) {
                continue;
            }
            try {
                BasicFileAttributes attrs = Files.readAttributes(f, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                if (!attrs.isRegularFile()) {
                    continue;
                }
                ObjectXattrs.Attributes x = ObjectXattrs.read(f);
                if (x.metadata() != null && !x.metadata().store().equals(paths.store())) {
                    continue;
                }
                List<ProcessIdentity> live = new ArrayList<>();
                for (ObjectXattrs.Pin p : x.pinners()) {
                    if (mayBeAlive(p)) {
                        live.add(p.who());
                    } else if (eraseDeadPins) {
                        ObjectXattrs.unpin(f, p.attr());
                    }
                }
                out.add(new Resident(name, id.get(), attrs.size(), attrs.lastAccessTime(), x.metadata(),
                        live, reservations.containsKey(id.get())));
            } catch (NoSuchFileException e) {
                // evicted meanwhile
            } catch (IOException e) {
                throw new ObjectStoreException("cannot read store object: store=" + paths.store()
                        + ", name=" + name + ", error=" + e, e);
            }
        }
        return out;
    }

    /** Bytes reserved by puts whose objects are not in memory yet. */
    static long unpublished(Map<String, Long> reservations, List<Resident> residents) {
        Map<String, Long> open = new HashMap<>(reservations);
        for (Resident r : residents) {
            open.remove(r.id());
        }
        long sum = 0;
        for (long v : open.values()) {
            sum += v;
        }
        return sum;
    }

    /** Spill files (complete ones), or none if the store does not spill. */
    List<Spilled> spilled(Path spillRoot) {
        List<Spilled> out = new ArrayList<>();
        if (spillRoot == null) {
            return out;
        }
        for (Path f : list(paths.spillDir(spillRoot), "*" + StorePaths.SPILL_SUFFIX)) {
            String file = f.getFileName().toString();
            if (file.startsWith(".")) {
                continue;
            }
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                out.add(new Spilled(file.substring(0, file.length() - StorePaths.SPILL_SUFFIX.length()),
                        a.size(), a.lastModifiedTime()));
            } catch (IOException e) {
                // removed meanwhile
            }
        }
        return out;
    }

    /** Live member processes. */
    List<ProcessIdentity> members() {
        List<ProcessIdentity> out = new ArrayList<>();
        for (Path f : list(paths.members(), "*")) {
            String n = f.getFileName().toString();
            StorePaths.parseIdentity(n).filter(p -> recordedMayBeAlive(p, n, 2)).ifPresent(out::add);
        }
        return out;
    }

    /** Entries of {@code dir} matching {@code glob}; none if the directory does not exist. */
    static List<Path> list(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) {
                out.add(p);
            }
        } catch (NoSuchFileException e) {
            // nothing there
        } catch (IOException e) {
            throw new ObjectStoreException("cannot list store directory: dir=" + dir + ", error=" + e, e);
        }
        return out;
    }

    static void deleteQuietly(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            // removed by whoever cleans next
        }
    }
}
