package io.shm4j.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shm4j.FileAccessException;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.SmallTmpfs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports are atomic and never write through a link (docs/segment.md, "Threat model"): the file is
 * created exclusively in the target's directory, no wider than the segment, and renamed into place.
 */
class ExportHardeningTest {
    @TempDir
    Path dir;

    @Test
    void shouldNeverWriteThroughALinkPlantedAtAPredictableTemporaryName() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Path target = dir.resolve("out.npy");
        long pid = ProcessHandle.current().pid();
        // The names earlier versions wrote to, and a few more a co-tenant might guess.
        for (String planted : new String[] {"out.npy.tmp" + pid, ".out.npy.tmp" + pid, "out.npy.tmp", ".out.npy"}) {
            Files.createSymbolicLink(dir.resolve(planted), victim);
        }
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new double[] {1, 2, 3})) {
            a.save(target);
        }
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)).isTrue();
        try (SharedArray back = SharedArray.open(target)) {
            assertThat(back.toDoubleArray()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void shouldReplaceALinkAtTheTargetNameInsteadOfFollowingIt() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Path target = Files.createSymbolicLink(dir.resolve("out.npy"), victim);
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new double[] {4})) {
            a.save(target);
        }
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void shouldNeverMakeTheExportMoreReadableThanTheSegment() throws Exception {
        Path target = dir.resolve("private.npy");
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new double[] {1})) { // mode 0600
            a.save(target);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
        Path shared = dir.resolve("shared.npy");
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults().withMode(0644), new double[] {1})) {
            a.save(shared);
        }
        // 0644 minus the umask (022 or 002 here): never more than the segment's.
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isIn("rw-r--r--", "rw-r-----",
                "rw-------");
    }

    @Test
    void shouldLeaveNothingOnAFullDisk() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a small tmpfs");
        try (SmallTmpfs small = SmallTmpfs.mount(1 << 20, "");
                SharedArray a = SharedArray.zeros(ShmOptions.defaults(), DType.FLOAT64, 1 << 18)) { // 2 MiB
            Path target = small.path().resolve("big.npy");
            assertThatThrownBy(() -> a.save(target)).isInstanceOf(FileAccessException.class)
                    .hasMessageContaining("path=" + target).hasMessageContaining("free=");
            try (Stream<Path> left = Files.list(small.path())) {
                assertThat(left.toList()).isEmpty();
            }
        }
    }

    @Test
    void shouldLeaveNoPartialFileAndNoTemporaryAfterAKill9MidExport() throws Exception {
        Path target = dir.resolve("looping.npy");
        Process child = Processes.javaBuilder(ExportChild.class, "loop", target.toString(), "16").start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (int i = 0; i < 3; i++) { // a few complete exports: the next one is being written now
                assertThat(out.readLine()).as("child output").isEqualTo("saved");
            }
            Processes.kill9(child.toHandle());
        } finally {
            child.destroyForcibly().waitFor();
        }
        try (Stream<Path> left = Files.list(dir)) {
            List<String> names = left.map(p -> p.getFileName().toString()).toList();
            assertThat(names).containsExactly("looping.npy");
        }
        assertThat(Files.size(target)).isEqualTo(NpyLayout.fileSize(DType.FLOAT64, new long[] {16L << 17}, false));
    }
}
