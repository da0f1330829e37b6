package io.shm4j.segment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files this process must remove when it exits normally: scoped segments it owns and
 * temporary files of creations it has not finished. A {@code kill -9} skips this; gc covers it.
 *
 * <p>Thread-safe. One per process.
 */
final class OwnedSegments {
    /** path → generation (0 for a temporary file). */
    private static final Map<Path, Long> FILES = new ConcurrentHashMap<>();
    private static volatile boolean hookInstalled;

    private OwnedSegments() {}

    static void track(Path path, long generation) {
        installHook();
        FILES.put(path, generation);
    }

    static void untrack(Path path) {
        FILES.remove(path);
    }

    /**
     * Removes {@code path} if it still holds incarnation {@code generation} (0: any). The file is
     * first renamed aside atomically and checked there, so a segment that replaced the name
     * meanwhile is put back instead of removed.
     */
    static boolean removeIfSame(Path path, long generation) {
        if (generation == 0) {
            try {
                return Files.deleteIfExists(path);
            } catch (IOException e) {
                return false;
            }
        }
        Path aside = path.resolveSibling(SegmentNames.tempName(ProcessIdentity.current()));
        try {
            Files.move(path, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            return false; // gone already, or not ours to move
        }
        Long current = ShmDirectory.readGeneration(aside);
        try {
            if (current != null && current == generation) {
                Files.delete(aside);
                return true;
            }
            Files.createLink(path, aside); // another incarnation: give its name back
            Files.delete(aside);
        } catch (IOException e) {
            // The name was taken again meanwhile; the aside file carries this process's temp
            // name, so gc reclaims it once this process is gone.
        }
        return false;
    }

    private static void installHook() {
        if (hookInstalled) {
            return;
        }
        synchronized (OwnedSegments.class) {
            if (!hookInstalled) {
                Runtime.getRuntime().addShutdownHook(new Thread(OwnedSegments::removeAll,
                        "shm4j-scoped-segment-cleanup"));
                hookInstalled = true;
            }
        }
    }

    private static void removeAll() {
        for (Map.Entry<Path, Long> e : FILES.entrySet()) {
            removeIfSame(e.getKey(), e.getValue());
        }
        FILES.clear();
    }
}
