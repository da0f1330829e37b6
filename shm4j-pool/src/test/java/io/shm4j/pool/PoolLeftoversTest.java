package io.shm4j.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.ProcessIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool start cleans what crashed pools left in the shared temp dir and the archive cache, and
 * nothing else: a link planted under a pool's name is never followed (docs/pool.md).
 */
class PoolLeftoversTest {
    @Test
    void shouldNeverRemoveThroughALinkPlantedAsAStalePoolDirectory(@TempDir Path victim, @TempDir Path tmp)
            throws Exception {
        Path secret = Files.writeString(victim.resolve("s"), "keep");
        // A temp dir of its own: other test JVMs on this host scan /tmp with their own code.
        Path planted = tmp.resolve("shm4j-pool-4000000-1-" + ProcessHandle.current().pid());
        Files.createSymbolicLink(planted, victim);
        Path stale = Files.createDirectory(tmp.resolve("shm4j-pool-4000000-2-77"));
        Files.createFile(stale.resolve("s"));
        String before = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString());
        try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false).build()) {
            assertThat(pool.submit(ctx -> 1).join()).isEqualTo(1);
        } finally {
            System.setProperty("java.io.tmpdir", before);
        }
        assertThat(Files.readString(secret)).isEqualTo("keep");
        assertThat(stale).as("a dead pool's own directory is removed").doesNotExist();
    }

    @Test
    void shouldRemoveTheTemporaryArchiveOfAPoolKilledWhileRecording(@TempDir Path home) throws Exception {
        Path cds = Files.createDirectories(home.resolve(".cache/shm4j/cds"));
        ProcessIdentity self = ProcessIdentity.current();
        Path dead = Files.writeString(cds.resolve("worker-0123abcd.jsa.tmp.4000000.1.7"), "half an archive");
        Path live = Files.writeString(cds.resolve("worker-0123abcd.jsa.tmp." + self.pid() + "." + self.startTicks() + ".8"),
                "being recorded");
        Path victim = Files.writeString(home.resolve("victim"), "keep");
        Path link = Files.createSymbolicLink(cds.resolve("worker-0123abcd.jsa.tmp.4000001.1.9"), victim);
        String before = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false).classDataSharing(true).build()) {
            assertThat(pool.submit(ctx -> 2).join()).isEqualTo(2);
        } finally {
            System.setProperty("user.home", before);
        }
        assertThat(dead).doesNotExist();
        assertThat(live).exists();
        assertThat(Files.readString(victim)).isEqualTo("keep");
        assertThat(link).isSymbolicLink();
    }
}
