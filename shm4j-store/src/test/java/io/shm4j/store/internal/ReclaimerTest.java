package io.shm4j.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.testkit.LeakCheck;
import io.shm4j.testkit.TestNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Dropped files lose their name at once and their pages once the background thread let go. */
class ReclaimerTest {
    @Test
    void shouldUnlinkAtOnceAndLetGoOfTheFileInTheBackground() throws IOException {
        Path file = LeakCheck.shmDirectory().resolve(TestNames.prefix() + "reclaim");
        Files.write(file, new byte[4 << 20]);
        try (Reclaimer reclaimer = new Reclaimer()) {
            reclaimer.drop(file, null);
            assertThat(file).doesNotExist();
            assertThat(reclaimer.awaitIdle()).isEqualTo(1); // a descriptor held the pages until then
            assertThat(openDescriptorsOf(file)).isZero();
            reclaimer.drop(file, null); // gone already: no error, nothing to free
            assertThat(reclaimer.awaitIdle()).isEqualTo(1);
        }
    }

    @Test
    void shouldRemoveAPlantedFifoOrLinkWithoutWaitingOnItOrFollowingIt() throws Exception {
        Path dir = LeakCheck.shmDirectory();
        Path fifo = dir.resolve(TestNames.prefix() + "reclaim-fifo");
        Path target = dir.resolve(TestNames.prefix() + "reclaim-target");
        Path link = dir.resolve(TestNames.prefix() + "reclaim-link");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Files.write(target, new byte[4096]);
        Files.createSymbolicLink(link, target);
        try (Reclaimer reclaimer = new Reclaimer()) {
            reclaimer.drop(fifo, null); // an open for reading without O_NONBLOCK would wait for a writer forever
            reclaimer.drop(link, null);
            assertThat(reclaimer.awaitIdle()).as("nothing was held").isZero();
            assertThat(target).as("the link's target is left alone").exists();
        } finally {
            Files.deleteIfExists(target);
        }
        assertThat(fifo).doesNotExist();
        assertThat(java.nio.file.Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    /** Descriptors of this process that point at {@code file} (also once it is unlinked). */
    private static long openDescriptorsOf(Path file) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith(file.toString());
                } catch (IOException e) {
                    return false; // closed meanwhile
                }
            }).count();
        }
    }
}
