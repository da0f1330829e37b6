package io.shm4j.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs real processes for multi-process tests: a second JVM with this JVM's java and class
 * path, or a Python process. Output is captured; every wait has a deadline.
 */
public final class Processes {
    private Processes() {}

    /** The finished process: exit code and captured output. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** Fails with the output unless the exit code is 0. */
        public Result assertOk() {
            if (exitCode != 0) {
                throw new AssertionError("process failed: exitCode=" + exitCode + "\nstdout:\n" + stdout
                        + "\nstderr:\n" + stderr);
            }
            return this;
        }
    }

    /** The java executable of this JVM. */
    public static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The python executable: {@code SHM4J_PYTHON} or {@code python3}. */
    public static String pythonExecutable() {
        String p = System.getenv("SHM4J_PYTHON");
        return p == null || p.isBlank() ? "python3" : p;
    }

    /**
     * The CPython interpreters to test interop against: {@link #pythonExecutable()} first, then
     * the newest other CPython 3 found under pyenv ({@code $PYENV_ROOT} or {@code ~/.pyenv}) or
     * {@code /usr/bin/python3.N}, if its version differs.
     */
    public static List<String> pythons() {
        List<String> out = new ArrayList<>();
        out.add(pythonExecutable());
        String own = pythonVersion(pythonExecutable());
        List<Path> candidates = new ArrayList<>();
        String root = System.getenv("PYENV_ROOT");
        Path pyenv = root != null ? Path.of(root) : Path.of(System.getProperty("user.home"), ".pyenv");
        try (var versions = java.nio.file.Files.list(pyenv.resolve("versions"))) {
            versions.map(v -> v.resolve("bin/python3")).forEach(candidates::add);
        } catch (IOException | RuntimeException e) {
            // no pyenv
        }
        for (int minor = 8; minor <= 20; minor++) {
            candidates.add(Path.of("/usr/bin/python3." + minor));
        }
        String best = null;
        int[] bestVersion = null;
        for (Path c : candidates) {
            if (!java.nio.file.Files.isExecutable(c)) {
                continue;
            }
            String v = pythonVersion(c.toString());
            if (v == null || v.equals(own)) {
                continue;
            }
            int[] parsed = java.util.Arrays.stream(v.split("\\.")).mapToInt(Integer::parseInt).toArray();
            if (parsed[0] == 3 && (bestVersion == null || java.util.Arrays.compare(parsed, bestVersion) > 0)) {
                best = c.toString();
                bestVersion = parsed;
            }
        }
        if (best != null && java.util.Arrays.compare(bestVersion,
                java.util.Arrays.stream(own.split("\\.")).mapToInt(Integer::parseInt).toArray()) > 0) {
            out.add(best);
        }
        return out;
    }

    /** {@code major.minor} of a Python interpreter, or null if it does not run. */
    public static String pythonVersion(String interpreter) {
        try {
            Result r = run(new ProcessBuilder(interpreter, "-c",
                    "import sys; print('%d.%d' % sys.version_info[:2])"), Duration.ofSeconds(30));
            return r.exitCode() == 0 ? r.stdout().trim() : null;
        } catch (AssertionError e) {
            return null;
        }
    }

    /** A builder for {@code java [flags] -cp CLASSPATH mainClass args}, with this JVM's shm dir. */
    public static ProcessBuilder javaBuilder(Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx512m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        String dir = System.getProperty("shm4j.dir");
        if (dir != null) {
            cmd.add("-Dshm4j.dir=" + dir);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Runs a second JVM to completion (deadline 60 s). */
    public static Result java(Class<?> mainClass, String... args) {
        return run(javaBuilder(mainClass, args), Duration.ofSeconds(60));
    }

    /**
     * Runs {@code python3 -c script args} to completion (deadline 120 s), with {@code PYTHONPATH}
     * pointing at the repository's {@code python/} folder and {@code SHM4J_DIR} at this JVM's
     * shm directory.
     */
    public static Result python(String script, String... args) {
        return pythonWith(pythonExecutable(), script, args);
    }

    /** Like {@link #python(String, String...)}, with the given interpreter. */
    public static Result pythonWith(String interpreter, String script, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(interpreter);
        cmd.add("-c");
        cmd.add(script);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("PYTHONPATH", repoRoot().resolve("python").toString());
        env.put("SHM4J_DIR", LeakCheck.shmDirectory().toString());
        return run(pb, Duration.ofSeconds(120));
    }

    /** The repository root (from {@code shm4j.test.repo}, set by the build). */
    public static Path repoRoot() {
        String r = System.getProperty("shm4j.test.repo");
        if (r != null) {
            return Path.of(r);
        }
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !p.resolve("mvnw").toFile().exists()) {
            p = p.getParent();
        }
        return p == null ? Path.of("").toAbsolutePath() : p;
    }

    /** Runs a process to completion, killing it (and failing) at the deadline. */
    public static Result run(ProcessBuilder pb, Duration deadline) {
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            var out = readAsync(p.getInputStream());
            var err = readAsync(p.getErrorStream());
            if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                throw new AssertionError("process timed out: deadline=" + deadline + ", cmd="
                        + pb.command() + "\nstdout:\n" + out.join() + "\nstderr:\n" + err.join());
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new AssertionError("cannot start process: cmd=" + pb.command(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Reads a stream to a string on a background thread. */
    public static java.util.concurrent.CompletableFuture<String> readAsync(java.io.InputStream in) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, Thread::startVirtualThread);
    }

    /** Kills a process with SIGKILL (like {@code kill -9}) and waits until it is gone. */
    public static void kill9(ProcessHandle p) {
        p.destroyForcibly();
        Awaits.until("process " + p.pid() + " is gone", Duration.ofSeconds(10), () -> !p.isAlive());
    }
}
