package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.NotInSharedMemoryException;
import io.shm4j.OutOfBoundsException;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameApiShapeTest {
    @TempDir
    Path tmp;

    private static FrameBuilder small() {
        return SharedFrame.builder(3).addDoubles("x", new double[] {1, 2, 3}).addStrings("s", new String[] {"a", "b", "c"});
    }

    @Test
    void shouldCreateAFrameWithEveryOptionInAChosenDirectory() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("shm"));
        String name = TestNames.unique("opts");
        ShmDirectory d = ShmDirectory.of(dir);
        try (SharedFrame f = small().build(ShmOptions.named(name).in(d).withMode(0640).asMutable().persistent())) {
            assertThat(f.path().getParent()).isEqualTo(dir);
            SegmentInfo info = d.info(name);
            assertThat(info.mutable()).isTrue();
            assertThat(info.lifetime()).isEqualTo(Lifetime.PERSISTENT);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f.path()))).isEqualTo("rw-r-----");
            f.unlink();
        }
        try (SharedFrame g = small().build()) {
            assertThat(g.segment().info().mutable()).as("immutable by default").isFalse();
            assertThat(g.segment().isReadOnly()).isTrue();
        }
    }

    @Test
    void shouldSaveOpenAndCopyAFileWithTheSameVerbsAsArrays() {
        Path arrow = tmp.resolve("f.arrow");
        Path csv = tmp.resolve("f.csv");
        try (SharedFrame f = small().build()) {
            f.save(arrow);
            f.save(csv);
        }
        try (SharedFrame opened = SharedFrame.open(arrow);
                SharedFrame fromArrow = SharedFrame.copyOf(ShmOptions.defaults(), arrow);
                SharedFrame fromCsv = SharedFrame.copyOf(ShmOptions.defaults(), csv);
                SharedFrame fromView = SharedFrame.copyOf(ShmOptions.defaults(), opened.slice(1, 3))) {
            assertThat(fromArrow.doubles("x").sum()).isEqualTo(6.0);
            assertThat(fromCsv.doubles("x").sum()).isEqualTo(6.0);
            assertThat(fromView.rowCount()).isEqualTo(2);
            assertThatThrownBy(opened::ref).isInstanceOf(NotInSharedMemoryException.class)
                    .hasMessageContaining("path=" + arrow);
        }
        assertThatThrownBy(() -> SharedFrame.open(tmp.resolve("missing.arrow")))
                .isInstanceOf(io.shm4j.FileAccessException.class);
    }

    @Test
    void shouldThrowTheSameBoundsExceptionAsArrays() {
        try (SharedFrame f = small().build()) {
            assertThatThrownBy(() -> f.doubles("x").get(3)).isInstanceOf(OutOfBoundsException.class);
            assertThatThrownBy(() -> f.slice(2, 5)).isInstanceOf(OutOfBoundsException.class);
        }
    }

    @Test
    void shouldLendABorrowedHandleWhoseCloseIsHarmless() {
        try (SharedFrame f = small().build()) {
            SharedFrame b = f.borrow();
            assertThat(b.isOwning()).isFalse();
            b.close();
            assertThat(f.doubles("x").sum()).isEqualTo(6.0);
            assertThat(b.memory().byteSize()).isEqualTo(f.byteSize());
        }
    }
}
