package io.shm4j.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shm4j.testkit.SmallTmpfs;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** A full tmpfs fails creation with a typed error: never a SIGBUS, an InternalError or a leak. */
class FullTmpfsTest {
    @Test
    void shouldFailCreationWithTheFactsAndLeaveNothingBehind() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs (CI runs as root)");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(16L << 20, "")) {
            ShmDirectory small = ShmDirectory.of(tmpfs.path());
            try (Segment first = Segment.create(ShmOptions.named("first").asMutable().in(small), 10L << 20)) {
                first.memory().fill((byte) 1); // every page reserved: writing cannot fault
                assertThatThrownBy(() -> Segment.create(ShmOptions.named("second").asMutable().in(small), 10L << 20))
                        .isInstanceOf(OutOfSharedMemoryException.class)
                        .hasMessageContaining("requested=" + (10L << 20))
                        .hasMessageContaining("free=")
                        .hasMessageContaining("dir=" + tmpfs.path());
                try (var files = Files.list(tmpfs.path())) {
                    assertThat(files.map(p -> p.getFileName().toString())).containsExactly("first");
                }
                assertThat(first.memory().get(ValueLayout.JAVA_BYTE, (10L << 20) - 1)).isEqualTo((byte) 1);
            }
            assertThatThrownBy(() -> Segment.create(ShmOptions.named("huge").asMutable().in(small), 1L << 40))
                    .isInstanceOf(OutOfSharedMemoryException.class);
            try (var files = Files.list(tmpfs.path())) {
                assertThat(files).isEmpty();
            }
        }
    }

    @Test
    void shouldReserveSparseForeignFilesBeforeWritingThem() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs (CI runs as root)");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(4L << 20, "")) {
            // What Python's SharedMemory(create=True, size=8 MiB) leaves: a sparse file (ftruncate).
            try (var raf = new java.io.RandomAccessFile(tmpfs.path().resolve("sparse").toFile(), "rw")) {
                raf.setLength(8L << 20);
            }
            ShmDirectory small = ShmDirectory.of(tmpfs.path());
            assertThatThrownBy(() -> small.attach("sparse", Access.READ_WRITE))
                    .isInstanceOf(OutOfSharedMemoryException.class)
                    .hasMessageContaining("name=sparse").hasMessageContaining("free=");
            try (Segment ro = small.attach("sparse", Access.READ_ONLY)) {
                assertThat(ro.size()).isEqualTo(8L << 20); // reading a hole is fine: zeros
                assertThat(ro.memory().get(ValueLayout.JAVA_BYTE, (8L << 20) - 1)).isZero();
            }
            Files.delete(tmpfs.path().resolve("sparse"));
        }
    }
}
