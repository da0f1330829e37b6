package io.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.Lifetime;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Awaits;
import io.shm4j.testkit.LeakCheck;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code put} ownership with real processes: shm4j runs (as a separate JVM) under {@code time},
 * {@code timeout}, {@code nohup} and a script, inside a fresh login session ({@code setsid}).
 * The default segment is persistent and outlives everything; the {@code --scoped} one outlives
 * the wrapper and the JVM and is reclaimed by gc only once the session leader has ended.
 */
class PutOwnershipTest {
    @ParameterizedTest
    @ValueSource(strings = {"time", "timeout 120", "nohup", "script"})
    void defaultIsPersistentAndScopedFollowsTheSession(String wrapper) throws Exception {
        Path tmp = Files.createTempDirectory("shm4j-put-owner");
        String persistent = TestNames.unique("put-p");
        String scoped = TestNames.unique("put-s");
        Path npy = tmp.resolve("a.npy");
        Files.write(npy, npyOfThreeLongs());
        String java = String.join(" ", List.of(Processes.javaExecutable(), "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Dshm4j.dir=" + LeakCheck.shmDirectory(),
                "-cp", quote(System.getProperty("java.class.path")), Main.class.getName(), "put", quote(npy.toString())));
        String puts = java + " --name " + persistent + "\n" + java + " --scoped --name " + scoped + "\n";
        String run;
        if (wrapper.equals("script")) {
            Path script = tmp.resolve("put.sh");
            Files.writeString(script, "#!/usr/bin/env bash\nset -e\n" + puts);
            run = "bash " + quote(script.toString()) + " >" + tmp.resolve("out") + " 2>&1";
        } else {
            run = "{ " + puts.strip().lines().map(l -> wrapper + " " + l).reduce((a, b) -> a + " && " + b).orElseThrow()
                    + "; } >" + tmp.resolve("out") + " 2>&1";
        }
        // setsid: this bash is the leader of a new session; it ends when we close its stdin.
        ProcessBuilder pb = new ProcessBuilder("setsid", "bash", "-c", "cd " + quote(tmp.toString()) + " && "
                + run + "; echo status=$?; read line");
        Process session = pb.start();
        ShmDirectory dir = ShmDirectory.current();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(session.getInputStream(), StandardCharsets.UTF_8))) {
            String status = r.readLine();
            assertThat(status).as(() -> output(tmp)).isEqualTo("status=0");
            assertThat(dir.info(persistent).lifetime()).isEqualTo(Lifetime.PERSISTENT);
            assertThat(dir.info(scoped).lifetime()).isEqualTo(Lifetime.SCOPED);
            assertThat(dir.info(scoped).owner().pid()).as("owned by the session leader").isEqualTo(session.pid());
            // The wrapper and the JVM are gone; the session lives: gc keeps both.
            assertThat(CliTest.run("gc").code()).isZero();
            assertThat(dir.find(persistent)).isPresent();
            assertThat(dir.find(scoped)).as("scoped to a live session").isPresent();

            session.getOutputStream().close();   // the session leader reads EOF and exits
            assertThat(session.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Awaits.until("the session leader is gone", Duration.ofSeconds(10), () -> !session.toHandle().isAlive());
            assertThat(CliTest.run("gc").code()).isZero();
            assertThat(dir.find(scoped)).as("reclaimed once the session ended").isEmpty();
            assertThat(dir.find(persistent)).as("persistent outlives the session").isPresent();
        } finally {
            session.destroyForcibly().waitFor();
            dir.find(persistent).ifPresent(i -> dir.remove(persistent));
            dir.find(scoped).ifPresent(i -> dir.remove(scoped));
            try (var files = Files.list(tmp)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(tmp);
        }
    }

    private static String output(Path tmp) {
        try {
            return Files.readString(tmp.resolve("out"));
        } catch (java.io.IOException e) {
            return "(no output: " + e + ")";
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** A version 1.0 .npy file of three little-endian int64 values. */
    private static byte[] npyOfThreeLongs() {
        String header = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
        int total = 10 + header.length() + 1;
        int pad = (64 - total % 64) % 64;
        String h = header + " ".repeat(pad) + "\n";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(10 + h.length() + 24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) h.length()).put(h.getBytes(StandardCharsets.US_ASCII));
        b.putLong(1).putLong(2).putLong(3);
        return b.array();
    }
}
