package io.shm4j.store.internal;

import io.shm4j.segment.ProcessIdentity;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Crash recovery and removal of a store's files. Every method runs under the store lock.
 *
 * <p>Stateless, thread-safe given the lock.
 */
final class Housekeeping {
    private Housekeeping() {}

    /**
     * Removes the member files of dead processes and what they left half-done: their
     * reservations, their unpublished segment temp files and their spill temp files.
     */
    static void removeDeadMembers(StorePaths paths, StoreScan scan, Path spillRoot) {
        for (Path f : StoreScan.list(paths.members(), "*")) {
            Optional<ProcessIdentity> who = StorePaths.parseIdentity(f.getFileName().toString());
            if (who.isPresent() && !scan.recordedMayBeAlive(who.get(), f.getFileName().toString(), 2)) {
                removeLeftovers(paths, who.get(), spillRoot);
                StoreScan.deleteQuietly(f);
            }
        }
    }

    private static void removeLeftovers(StorePaths paths, ProcessIdentity dead, Path spillRoot) {
        String id = StorePaths.identity(dead);
        for (Path f : StoreScan.list(paths.pending(), id + ".*")) {
            StoreScan.deleteQuietly(f);
        }
        paths.shm().removeUnfinished(dead); // judged by their metadata, as gc does
        if (spillRoot != null) {
            for (Path f : StoreScan.list(paths.spillDir(spillRoot), StorePaths.SPILL_TEMP_PREFIX + id + ".*")) {
                StoreScan.deleteQuietly(f);
            }
        }
    }

    /** Removes every object, spill file, reservation and member file of the store (not the lock). */
    static void wipe(StorePaths paths, Path spillRoot) {
        StoreScan scan = new StoreScan(paths);
        for (StoreScan.Resident r : scan.residents(java.util.Map.of(), false)) {
            StoreScan.deleteQuietly(paths.object(r.name()));
        }
        for (Path dir : new Path[] {paths.pending(), paths.evicting(), paths.spilling(), paths.members()}) {
            for (Path f : StoreScan.list(dir, "*")) {
                StoreScan.deleteQuietly(f);
            }
        }
        if (spillRoot != null) {
            Path spillDir = paths.spillDir(spillRoot);
            for (Path f : StoreScan.list(spillDir, "*")) {
                StoreScan.deleteQuietly(f);
            }
            StoreScan.deleteQuietly(spillDir);
        }
        StoreScan.deleteQuietly(paths.state());
    }

    /**
     * Removes the whole store: {@link #wipe}, then the directories, then marks and unlinks
     * the lock file. The caller still holds the lock and releases and closes it next.
     */
    static void destroy(StorePaths paths, StoreLock lock, Path spillRoot) throws IOException {
        wipe(paths, spillRoot);
        for (Path dir : new Path[] {paths.pending(), paths.evicting(), paths.spilling(), paths.members()}) {
            StoreScan.deleteQuietly(dir);
        }
        lock.markRemoved();
        StoreScan.deleteQuietly(paths.lock());
        try {
            Files.deleteIfExists(paths.dir());
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            // a new opener already created a fresh lock file in it: the directory is theirs now
        }
    }
}
