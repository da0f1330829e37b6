package io.shm4j.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Another user attaching a mode-0600 segment gets a typed permission error, not a crash. */
class PermissionTest {
    @Test
    void shouldRefuseAnotherUserWithATypedError() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run a process as nobody");
        String name = TestNames.unique("private");
        Path tmp = Files.createTempDirectory("shm4j-nobody-");
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), 4096)) {
            // A class path 'nobody' can read: this module's classes, copied.
            Path classes = Path.of(SegmentChild.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path main = Path.of(Segment.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            copyTree(main, tmp.resolve("main"));
            Files.createDirectories(tmp.resolve("test/io/shm4j/segment"));
            Files.copy(classes.resolve("io/shm4j/segment/SegmentChild.class"),
                    tmp.resolve("test/io/shm4j/segment/SegmentChild.class"));
            try (Stream<Path> all = Files.walk(tmp)) {
                all.forEach(p -> p.toFile().setReadable(true, false));
            }
            tmp.toFile().setExecutable(true, false);
            try (Stream<Path> all = Files.walk(tmp)) {
                all.filter(Files::isDirectory).forEach(p -> p.toFile().setExecutable(true, false));
            }
            ProcessBuilder pb = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    Processes.javaExecutable(), "--enable-native-access=ALL-UNNAMED",
                    "-cp", tmp.resolve("main") + ":" + tmp.resolve("test"),
                    SegmentChild.class.getName(), "checksum", name);
            Processes.Result r = Processes.run(pb, Duration.ofSeconds(60));
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr()).contains("SegmentPermissionException", "permission denied", "name=" + name)
                    .doesNotContain("SIGBUS", "InternalError", "hs_err");
            assertThat(s.memory().byteSize()).isEqualTo(4096);
        } finally {
            try (Stream<Path> all = Files.walk(tmp)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
