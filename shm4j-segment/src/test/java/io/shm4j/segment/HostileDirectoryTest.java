package io.shm4j.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shm4j.testkit.Processes;
import io.shm4j.testkit.SmallTmpfs;
import io.shm4j.testkit.TestNames;
import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * The shm directory is shared and hostile (docs/segment.md, "Threat model"): names planted by
 * another user or a buggy program — FIFOs, links, foreign files under shm4j's temporary names —
 * never make shm4j hang, follow a link or remove what it did not create. The co-tenant runs as a
 * second user ({@code setpriv} as uid 65534) in a sticky, world-writable tmpfs, as /dev/shm is.
 */
class HostileDirectoryTest {
    private static final long DEAD_PID = 4_000_000; // above pid_max: never alive

    @Test
    void shouldNeverBlockOnAFifoSwappedInBetweenStatAndOpen(@TempDir(factory = PrivateShmDir.class) Path shm)
            throws Exception {
        ShmDirectory dir = ShmDirectory.of(shm); // private: other suites sharing /dev/shm never meet the FIFO
        String name = TestNames.unique("fifo-race");
        Path target = dir.path().resolve(name);
        Path regular = dir.path().resolve(name + "-file");
        Path fifo = dir.path().resolve(name + "-fifo");
        Files.write(regular, new byte[4096]);
        Processes.run(new ProcessBuilder("mkfifo", fifo.toString()), Duration.ofSeconds(10)).assertOk();
        Files.move(regular, target);
        // A co-tenant swaps the name between a regular file and a FIFO as fast as it can, each swap
        // one atomic renameat2(RENAME_EXCHANGE): whatever stat saw, open may meet the other one.
        String swap = """
                import ctypes, os, sys, time
                libc = ctypes.CDLL(None, use_errno=True)
                a, b = sys.argv[1].encode(), sys.argv[2].encode()
                end = time.monotonic() + 60
                print("swapping", flush=True)
                while time.monotonic() < end and os.path.exists(sys.argv[3]):
                    for _ in range(1000):
                        if libc.renameat2(-100, a, -100, b, 2) != 0:
                            sys.exit("renameat2 errno %d" % ctypes.get_errno())
                """;
        Path running = Files.createTempFile("shm4j-swapping-", "");
        Process swapper = new ProcessBuilder(Processes.pythonExecutable(), "-c", swap, target.toString(),
                fifo.toString(), running.toString()).redirectErrorStream(true).start();
        assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(swapper.getInputStream())).readLine())
                .isEqualTo("swapping");
        CompletableFuture<Integer> attaches = CompletableFuture.supplyAsync(() -> {
            int attached = 0;
            long end = System.nanoTime() + 4_000_000_000L; // thousands of attaches, each racing a swap
            while (System.nanoTime() < end) {
                try (Segment s = dir.attach(name, Access.READ_ONLY)) {
                    assertThat(s.memory().byteSize()).isEqualTo(4096);
                    attached++;
                } catch (NoSuchSegmentException | NotASegmentException e) {
                    // between two names, or the FIFO: refused, never waited on
                }
            }
            return attached;
        });
        try {
            assertThat(attaches.get(30, TimeUnit.SECONDS)).isGreaterThan(0);
        } finally {
            Files.deleteIfExists(running);
            swapper.waitFor(20, TimeUnit.SECONDS);
            swapper.destroyForcibly().waitFor();
            if (!attaches.isDone()) { // a reader stuck in open(FIFO): give it a writer so the test can end
                for (Path p : new Path[] {target, fifo}) {
                    if (!Files.isRegularFile(p)) {
                        try (FileOutputStream unblock = new FileOutputStream(p.toFile())) {
                            unblock.write(0);
                        }
                    }
                }
                attaches.exceptionally(e -> 0).get(60, TimeUnit.SECONDS);
            }
            for (Path p : new Path[] {target, fifo}) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void shouldRemoveOnlyTemporaryFilesThatCarryShm4jMetadata() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root: a second user plants files");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(8 << 20, "mode=1777")) {
            ShmDirectory dir = ShmDirectory.of(tmpfs.path());
            // Another user's file under a temporary name of a dead creator: gc (even as root) keeps it.
            Path planted = tmpfs.path().resolve(".shm4j-tmp." + DEAD_PID + ".1.00ff00ff00ff00ff");
            asNobody("printf precious > " + planted);
            // This user's file under such a name, not empty, without metadata: not ours either.
            Path foreign = tmpfs.path().resolve(".shm4j-tmp." + DEAD_PID + ".2.0123456789abcdef");
            Files.writeString(foreign, "mine, not shm4j's");
            // The empty file a creator that died before writing its metadata leaves: reclaimed.
            Path crashed = tmpfs.path().resolve(".shm4j-tmp." + DEAD_PID + ".3.fedcba9876543210");
            Files.createFile(crashed);
            // A creation of a dead creator with shm4j metadata: reclaimed.
            Path unfinished = tmpfs.path().resolve(".shm4j-tmp." + DEAD_PID + ".4.0000000000000001");
            Files.write(unfinished, new byte[100]);
            xattr(unfinished, "v=1;kind=raw;life=scoped;pid=" + DEAD_PID + ";start=4;gen=1;created=0;mutable=0;pidns="
                    + pidNamespace());
            // The same, created in another pid namespace: its pid means nothing here, so it is kept.
            Path otherNamespace = tmpfs.path().resolve(".shm4j-tmp." + DEAD_PID + ".5.0000000000000002");
            Files.write(otherNamespace, new byte[100]);
            xattr(otherNamespace, "v=1;kind=raw;life=scoped;pid=" + DEAD_PID + ";start=5;gen=2;created=0;mutable=0;pidns="
                    + (pidNamespace() + 1));

            GcReport report = dir.gc(false);

            assertThat(report.tempFiles()).containsExactlyInAnyOrder(crashed.getFileName().toString(),
                    unfinished.getFileName().toString());
            assertThat(Files.readString(planted)).isEqualTo("precious");
            assertThat(foreign).exists();
            assertThat(otherNamespace).exists();
            assertThat(crashed).doesNotExist();
            assertThat(unfinished).doesNotExist();
        }
    }

    @Test
    void shouldRefuseToRemoveWhatShm4jDidNotCreateUnlessForced() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root: a second user plants files");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(8 << 20, "mode=1777")) {
            ShmDirectory dir = ShmDirectory.of(tmpfs.path());
            Path foreign = tmpfs.path().resolve("foreign");
            Files.writeString(foreign, "not a segment");
            Path directory = Files.createDirectory(tmpfs.path().resolve("a-directory"));
            Path victim = Files.writeString(tmpfs.path().resolve(".victim"), "keep");
            Path link = Files.createSymbolicLink(tmpfs.path().resolve("link"), victim);
            asNobody("printf theirs > " + tmpfs.path().resolve("theirs"));
            try (Segment ours = Segment.create(ShmOptions.named("ours").asMutable().in(dir), 4096)) {
                Files.copy(ours.path(), tmpfs.path().resolve("copy-of-ours")); // same bytes, no metadata
            }

            for (String name : new String[] {"foreign", "a-directory", "link", "theirs", "copy-of-ours"}) {
                assertThatThrownBy(() -> dir.remove(name)).as(name).isInstanceOf(NotASegmentException.class)
                        .hasMessageContaining("name=\"" + name + "\"").hasMessageContaining("--force");
            }
            assertThat(foreign).exists();
            assertThat(directory).isDirectory();
            assertThat(link).isSymbolicLink();

            try (Segment s = Segment.create(ShmOptions.named("persistent-one").asMutable().in(dir), 4096)) {
                dir.remove("persistent-one"); // a segment of this user: removed without force
                assertThat(dir.find("persistent-one")).isEmpty();
                assertThat(s.memory().byteSize()).isEqualTo(4096);
            }
            dir.remove("foreign", true);
            dir.remove("a-directory", true);
            dir.remove("link", true);
            assertThat(foreign).doesNotExist();
            assertThat(directory).doesNotExist();
            assertThat(link).doesNotExist();
            assertThat(Files.readString(victim)).isEqualTo("keep"); // the link, never what it points to
        }
    }

    @Test
    void shouldCheckTheTypeOnTheDescriptorAndNeverFollowALink(@TempDir(factory = PrivateShmDir.class) Path shm)
            throws Exception {
        ShmDirectory dir = ShmDirectory.of(shm);
        String name = TestNames.unique("link");
        Path victim = Files.createTempFile("shm4j-victim-", ".bin");
        try {
            Files.write(victim, new byte[8192]);
            Files.createSymbolicLink(dir.path().resolve(name), victim);
            assertThatThrownBy(() -> dir.attach(name, Access.READ_ONLY)).isInstanceOf(NotASegmentException.class);
            assertThatThrownBy(() -> dir.info(name)).isInstanceOf(NotASegmentException.class);
        } finally {
            Files.deleteIfExists(dir.path().resolve(name));
            Files.deleteIfExists(victim);
        }
    }

    /** This process's pid namespace, read here independently of the code under test. */
    private static long pidNamespace() throws Exception {
        String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
        return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
    }

    /** A private directory in the real shm directory (a tmpfs with user xattrs). */
    static final class PrivateShmDir implements TempDirFactory {
        @Override
        public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws Exception {
            return Files.createTempDirectory(ShmDirectory.current().path(), ".shm4j-test-");
        }
    }

    private static void xattr(Path file, String value) throws Exception {
        Files.getFileAttributeView(file, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .write("shm4j", ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII)));
    }

    /** Runs a shell command as the second user (uid 65534). */
    static void asNobody(String shellCommand) {
        Processes.run(new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "sh", "-c", shellCommand), Duration.ofSeconds(20)).assertOk();
    }

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
