package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shm4j.Shm4jException;
import io.shm4j.testkit.SmallTmpfs;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** Writing a frame file to a full filesystem is a clear error that leaves no partial file. */
class FullDiskTest {
    @Test
    void shouldFailCleanlyWhenTheTargetFilesystemIsFull() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs (CI runs as root)");
        double[] values = new double[2_000_000]; // 16 MB
        try (SmallTmpfs small = SmallTmpfs.mount(4L << 20, "")) {
            var target = small.path().resolve("f.arrow");
            assertThatThrownBy(() -> SharedFrame.builder(values.length).addDoubles("x", values).save(target))
                    .isInstanceOf(Shm4jException.class)
                    .hasMessageContaining("path=" + target).hasMessageContaining("bytes=");
            try (var files = Files.list(small.path())) {
                assertThat(files).isEmpty();
            }
        }
    }
}
