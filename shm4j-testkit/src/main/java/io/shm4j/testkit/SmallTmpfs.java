package io.shm4j.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A small tmpfs mounted for one test (to fill it up, or with {@code huge=} options). Needs
 * root, as in CI; {@link #available()} says whether mounting works here.
 *
 * <p>Ownership: the test; {@link #close()} unmounts and removes the mount point.
 */
public final class SmallTmpfs implements AutoCloseable {
    private final Path dir;

    private SmallTmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code sizeBytes} with extra mount options (may be empty). */
    public static SmallTmpfs mount(long sizeBytes, String extraOptions) {
        try {
            Path dir = Files.createTempDirectory("shm4j-tmpfs-");
            String opts = "size=" + sizeBytes + (extraOptions.isEmpty() ? "" : "," + extraOptions);
            Processes.run(new ProcessBuilder("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir.toString()),
                    Duration.ofSeconds(10)).assertOk();
            return new SmallTmpfs(dir);
        } catch (IOException e) {
            throw new AssertionError("cannot create a mount point", e);
        }
    }

    /** Whether this process may mount a tmpfs (root). */
    public static boolean available() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The mounted directory. */
    public Path path() {
        return dir;
    }

    @Override
    public void close() {
        Processes.run(new ProcessBuilder("umount", "-l", dir.toString()), Duration.ofSeconds(10)).assertOk();
        try {
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // an empty directory in /tmp
        }
    }
}
