package io.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.SmallTmpfs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every CLI failure is one line on stderr with exit 1, names and file text are escaped, and no
 * command hangs on what a co-tenant planted or holds (docs/segment.md and docs/store.md, "Threat
 * model"). Runs in a tmpfs of its own, sticky and world-writable like /dev/shm.
 */
class CliHardeningTest {
    record Run(int code, String out, String err) {
        void assertOneErrorLine() {
            assertThat(code).as("exit code; stderr=%s", err).isEqualTo(1);
            assertThat(err.lines().toList()).as("stderr").allSatisfy(l -> assertThat(l).startsWith("shm4j: "));
            assertThat(err).doesNotContain("internal error", "Exception\n", "\tat ");
        }
    }

    /** Runs the CLI on {@code dir} in this JVM, leaving the JVM's shm directory as it was. */
    static Run run(Path dir, String... args) {
        String before = System.getProperty("shm4j.dir");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = args[0];
        all[1] = "--dir=" + dir;
        System.arraycopy(args, 1, all, 2, args.length - 1);
        try {
            int code = Main.run(all, new PrintWriter(out), new PrintWriter(err));
            return new Run(code, out.toString(), err.toString());
        } finally {
            if (before == null) {
                System.clearProperty("shm4j.dir");
            } else {
                System.setProperty("shm4j.dir", before);
            }
        }
    }

    @Test
    void shouldEscapeNamesWithControlCharactersInLs() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(1 << 20, "mode=1777")) {
            Files.writeString(tmpfs.path().resolve("evil\nshm4j-fake  raw  1 GiB\u001b[2J"), "x");
            Run r = run(tmpfs.path(), "ls", "--all");
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("evil\\nshm4j-fake  raw  1 GiB\\x1b[2J").doesNotContain("\u001b");
            assertThat(r.out().lines().count()).isEqualTo(3); // header, the one file, the summary
        }
    }

    @Test
    void shouldRefuseToRemoveForeignFilesAndDirectoriesWithoutForce() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(1 << 20, "mode=1777")) {
            Files.writeString(tmpfs.path().resolve("python-made"), "x");
            Files.createDirectory(tmpfs.path().resolve("dir"));
            run(tmpfs.path(), "rm", "python-made", "dir").assertOneErrorLine();
            assertThat(tmpfs.path().resolve("python-made")).exists();
            assertThat(tmpfs.path().resolve("dir")).exists();
            assertThat(run(tmpfs.path(), "rm", "--force", "python-made", "dir").code()).isZero();
            assertThat(tmpfs.path().resolve("python-made")).doesNotExist();
            assertThat(tmpfs.path().resolve("dir")).doesNotExist();
        }
    }

    @Test
    void shouldReportABusyOrDamagedStoreAndGoOn() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(1 << 20, "mode=1777")) {
            Path busy = Files.createDirectories(tmpfs.path().resolve(".shm4j-store.busy/members"));
            Files.createFile(busy.resolveSibling("lock"));
            Path dead = Files.createDirectories(tmpfs.path().resolve(".shm4j-store.dead/members"));
            Files.createFile(dead.resolve("4000000.1"));
            Files.writeString(tmpfs.path().resolve(".shm4j-store.junk"), "not a directory");
            // Another user's store whose state is a FIFO: never opened, never reported as ours.
            Processes.run(new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
                    "mkdir " + tmpfs.path().resolve(".shm4j-store.theirs") + " && mkfifo "
                            + tmpfs.path().resolve(".shm4j-store.theirs/state")), Duration.ofSeconds(20)).assertOk();
            Process holder = new ProcessBuilder(Processes.pythonExecutable(), "-c", """
                    import fcntl, sys, time
                    f = open(sys.argv[1], "r+b")
                    fcntl.lockf(f, fcntl.LOCK_EX)
                    print("locked", flush=True)
                    time.sleep(600)
                    """, busy.resolveSibling("lock").toString()).start();
            try {
                assertThat(new BufferedReader(new InputStreamReader(holder.getInputStream())).readLine()).isEqualTo("locked");
                CompletableFuture<Run> gc = new CompletableFuture<>();
                Thread.ofPlatform().daemon().start(() -> gc.complete(run(tmpfs.path(), "gc")));
                Run r = gc.get(60, TimeUnit.SECONDS);
                r.assertOneErrorLine();
                assertThat(r.out()).contains("removed abandoned object store dead");
                assertThat(r.err()).contains("skipped object store busy: busy", "skipped object store junk: not a directory")
                        .doesNotContain("theirs");
                assertThat(tmpfs.path().resolve(".shm4j-store.dead")).doesNotExist();

                CompletableFuture<Run> ls = new CompletableFuture<>();
                Thread.ofPlatform().daemon().start(() -> ls.complete(run(tmpfs.path(), "ls")));
                Run l = ls.get(60, TimeUnit.SECONDS);
                assertThat(l.err()).contains("skipped object store junk").doesNotContain("theirs");
                CompletableFuture<Run> stats = new CompletableFuture<>();
                Thread.ofPlatform().daemon().start(() -> stats.complete(run(tmpfs.path(), "store", "stats")));
                stats.get(60, TimeUnit.SECONDS).assertOneErrorLine();
            } finally {
                holder.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void shouldPrintOneLineWhenTheSourceIsTruncatedWhilePutCopiesIt() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(400L << 20, "mode=1777")) {
            Path source = tmpfs.path().resolve(".source.npy");
            long elements = 16L << 20; // 128 MiB of float64
            boolean raced = false;
            for (int attempt = 0; attempt < 5 && !raced; attempt++) {
                try (SharedArray a = SharedArray.zeros(ShmOptions.defaults(), DType.FLOAT64, elements)) {
                    a.save(source);
                }
                // A co-tenant truncates the file once put has it open.
                CompletableFuture<Boolean> truncated = new CompletableFuture<>();
                Thread.ofPlatform().daemon().start(() -> {
                    long end = System.nanoTime() + 30_000_000_000L;
                    while (System.nanoTime() < end) {
                        if (openHere(source)) {
                            try (RandomAccessFile f = new RandomAccessFile(source.toFile(), "rw")) {
                                f.setLength(64L << 20);
                            } catch (Exception e) {
                                truncated.completeExceptionally(e);
                                return;
                            }
                            truncated.complete(true);
                            return;
                        }
                        Thread.onSpinWait();
                    }
                    truncated.complete(false);
                });
                Run r = run(tmpfs.path(), "put", "--persistent", "--name=copy", source.toString());
                assertThat(truncated.get(60, TimeUnit.SECONDS)).isTrue();
                if (r.code() != 0) {
                    raced = true;
                    r.assertOneErrorLine();
                    assertThat(r.err()).contains("path=" + source);
                }
                ShmDirectory.of(tmpfs.path()).find("copy").ifPresent(i -> ShmDirectory.of(tmpfs.path()).remove("copy"));
                Files.deleteIfExists(source);
            }
            assertThat(raced).as("the truncation hit a copy in progress").isTrue();
            try (Stream<Path> left = Files.list(tmpfs.path())) {
                assertThat(left.toList()).isEmpty(); // nor a half-made segment
            }
        }
    }

    @Test
    void shouldQuoteTextFromAFileOnOneLine() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(1 << 20, "mode=1777")) {
            String header = "{'descr': '<f8\nshm4j: ok\u001b[2J" + "y".repeat(3000) + "', 'fortran_order': False, 'shape': (1,), }";
            byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
            int len = h.length + 1 + (64 - (10 + h.length + 1) % 64) % 64;
            ByteBuffer b = ByteBuffer.allocate(10 + len + 8).order(ByteOrder.LITTLE_ENDIAN);
            b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) len).put(h);
            while (b.position() < 10 + len - 1) {
                b.put((byte) ' ');
            }
            b.put((byte) '\n');
            Path bad = tmpfs.path().resolve(".bad.npy");
            Files.write(bad, b.array());
            Run r = run(tmpfs.path(), "put", bad.toString());
            r.assertOneErrorLine();
            assertThat(r.err().lines().count()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("\u001b").hasSizeLessThan(2200);
            Files.delete(bad);
        }
    }

    /** Whether this process has {@code file} open (put is reading it). */
    private static boolean openHere(Path file) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (Exception e) {
            return false;
        }
    }
}
