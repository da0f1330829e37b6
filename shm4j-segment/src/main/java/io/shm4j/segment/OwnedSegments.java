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

    /** Removes {@code path} if it still holds incarnation {@code generation} (0: any). */
    static boolean removeIfSame(Path path, long generation) {
        if (generation != 0) {
            Long current = ShmDirectory.readGeneration(path);
            if (current == null || current != generation) {
                return false;
            }
        }
        try {
            return Files.deleteIfExists(path);
        } catch (IOException e) {
            return false;
        }
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
