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
