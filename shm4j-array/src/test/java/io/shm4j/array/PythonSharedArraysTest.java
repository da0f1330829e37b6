package io.shm4j.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.Lifetime;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.LeakCheck;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Arrays Python's {@code shm4j.share} created, read from Java (metadata, owner, values), and a
 * Python owner killed with {@code kill -9} whose scoped segment Java's gc reclaims; and the
 * reverse: a mutable array Java created, written by a Python process through {@code shm4j.attach}.
 */
class PythonSharedArraysTest {
    static final String OWNER = """
            import sys, numpy as np, shm4j
            s = shm4j.share(np.arange(1000, dtype=np.float64).reshape(10, 100), name=sys.argv[1])
            p = shm4j.share(np.arange(5, dtype=np.int32), name=sys.argv[2], persistent=True)
            print('ready', flush=True)
            sys.stdin.readline()
            """;

    @Test
    void shouldReadPythonSharedArraysAndCollectTheScopedOneAfterKill9OfItsOwner() throws Exception {
        String scoped = TestNames.unique("py-scoped");
        String persistent = TestNames.unique("py-persistent");
        java.nio.file.Path priv = privateDir();
        Process p = startPython(priv, OWNER, scoped, persistent);
        try (OutputStream stdin = p.getOutputStream()) {
            assertThat(readLine(p)).isEqualTo("ready");
            ShmDirectory dir = ShmDirectory.of(priv);
            SegmentInfo info = dir.info(scoped);
            assertThat(info.kind()).isEqualTo(SegmentKind.ARRAY);
            assertThat(info.lifetime()).isEqualTo(Lifetime.SCOPED);
            assertThat(info.owner().pid()).isEqualTo(p.pid());
            assertThat(info.ownerAlive()).isTrue();
            assertThat(info.mutable()).isFalse();
            assertThat(info.mode()).isEqualTo(0600);
            assertThat(dir.info(persistent).lifetime()).isEqualTo(Lifetime.PERSISTENT);
            try (SharedArray a = SharedArray.of(dir.attach(scoped, io.shm4j.segment.Access.READ_ONLY));
                    SharedArray b = SharedArray.of(dir.attach(persistent, io.shm4j.segment.Access.READ_ONLY))) {
                assertThat(a.dtype()).isEqualTo(DType.FLOAT64);
                assertThat(a.shape()).containsExactly(10, 100);
                assertThat(a.sum()).isEqualTo(999 * 1000 / 2.0);
                assertThat(a.doubles().get(9, 99)).isEqualTo(999.0);
                assertThat(a.isWritable()).isFalse();
                assertThat(b.dtype()).isEqualTo(DType.INT32);
                assertThat(b.sumLong()).isEqualTo(10);
                assertThat(dir.gc(false).segments()).doesNotContain(scoped); // owner alive

                p.destroyForcibly(); // SIGKILL: no atexit, no clean-up in Python
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(dir.info(scoped).ownerAlive()).isFalse();
                assertThat(dir.gc(false).segments()).contains(scoped).doesNotContain(persistent);
                assertThat(Files.exists(priv.resolve(scoped))).isFalse();
                assertThat(a.doubles().get(9, 99)).isEqualTo(999.0); // the mapping outlives the name
            } finally {
                dir.find(persistent).ifPresent(i -> dir.remove(persistent));
            }
        } finally {
            p.destroyForcibly().waitFor();
            deleteDir(priv);
        }
    }

    @Test
    void shouldLetPythonReadAJavaOwnersArrayAndCollectItAfterKill9OfThatJvm() throws Exception {
        String name = TestNames.unique("java-scoped");
        java.nio.file.Path priv = privateDir();
        ProcessBuilder pb = Processes.javaBuilder(ScopedArrayOwner.class, name).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.command().removeIf(a -> a.startsWith("-Dshm4j.dir="));
        pb.command().add(1, "-Dshm4j.dir=" + priv);
        Process p = pb.start();
        try (OutputStream stdin = p.getOutputStream()) {
            assertThat(readLine(p)).isEqualTo("ready 10");
            python(priv, """
                    import sys, shm4j
                    i = shm4j.info(sys.argv[1])
                    assert (i.kind, i.lifetime, i.pid, i.owner_alive) == ('array', 'scoped', int(sys.argv[2]), True), i
                    assert shm4j.attach(sys.argv[1]).tolist() == [float(v) for v in range(10)]
                    assert sys.argv[1] not in shm4j.gc().segments
                    """, name, Long.toString(p.pid())).assertOk();
            p.destroyForcibly(); // SIGKILL: the JVM's shutdown hook does not run
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.exists(priv.resolve(name))).isTrue();
            Processes.Result r = python(priv, """
                    import sys, shm4j
                    assert not shm4j.info(sys.argv[1]).owner_alive
                    print(shm4j.gc().segments)
                    """, name).assertOk();
            assertThat(r.stdout()).contains(name);
            assertThat(Files.exists(priv.resolve(name))).isFalse();
        } finally {
            p.destroyForcibly().waitFor();
            deleteDir(priv);
        }
    }

    @Test
    void shouldLetPythonWriteAMutableArrayJavaCreated() {
        String name = TestNames.unique("java-mutable");
        try (SharedArray a = SharedArray.zeros(ShmOptions.named(name).asMutable(), DType.INT64, 4, 3)) {
            Processes.python("""
                    import sys, shm4j
                    w = shm4j.attach(sys.argv[1], writable=True)
                    assert w.shape == (4, 3) and w.dtype.str == '<i8', (w.shape, w.dtype)
                    w[2, 1] = 42
                    w[3] += 7
                    """, name).assertOk();
            assertThat(a.longs().get(2, 1)).isEqualTo(42);
            assertThat(a.sumLong()).isEqualTo(42 + 3 * 7);
        }
    }

    /**
     * A private shm directory inside the shared one: gc runs of other suites on the shared
     * directory (pool starts, `shm4j gc`) would otherwise collect the dead owner's segment first.
     */
    private static java.nio.file.Path privateDir() throws IOException {
        return Files.createDirectory(LeakCheck.shmDirectory().resolve(TestNames.unique("pydir")));
    }

    private static void deleteDir(java.nio.file.Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (java.nio.file.Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    private static Processes.Result python(java.nio.file.Path dir, String script, String... args) throws IOException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(Processes.pythonExecutable(), "-c", script));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PYTHONPATH", Processes.repoRoot().resolve("python").toString());
        pb.environment().put("SHM4J_DIR", dir.toString());
        return Processes.run(pb, java.time.Duration.ofSeconds(120));
    }

    private static Process startPython(java.nio.file.Path dir, String script, String... args) throws IOException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(Processes.pythonExecutable(), "-c", script));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PYTHONPATH", Processes.repoRoot().resolve("python").toString());
        pb.environment().put("SHM4J_DIR", dir.toString());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        return pb.start();
    }

    private static String readLine(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return r.readLine();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).get(60, TimeUnit.SECONDS);
    }
}
