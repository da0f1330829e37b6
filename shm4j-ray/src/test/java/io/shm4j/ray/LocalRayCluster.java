package io.shm4j.ray;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A Ray cluster of this test JVM, on loopback in the private namespaces the module's test JVM
 * runs in (src/test/ray-jvm/bin/java): a head node on 127.0.0.1 (the driver's node, shm directory
 * {@code node1}) and, on demand, a second node on 127.0.0.2 with a shm directory of its own
 * ({@code node2}), so that "another node" is real: another raylet, object store and shm
 * directory. Each node has 2 CPUs, a 200 MB object store, and a resource named after it
 * ({@code shm4j-node1}, {@code shm4j-node2}) that tests ask for to place tasks.
 *
 * <p>Started once per JVM and never stopped here: the namespace's process 1 kills the cluster
 * when the JVM exits, and the wrapper removes its temp and shm directories.
 *
 * <p>Thread-safe.
 */
public final class LocalRayCluster {
    /** The head's GCS address. */
    public static final String ADDRESS = "127.0.0.1:6379";
    private static boolean head;
    private static boolean second;
    /** Seconds the head and the second node took to start (for the benchmark's report). */
    public static volatile double headSeconds;
    public static volatile double secondSeconds;

    private LocalRayCluster() {}

    /** Skips the calling test, with one line saying why, where the namespaces could not be made. */
    public static void assumeAvailable() {
        String skip = System.getenv("SHM4J_RAY_TEST_SKIP");
        Assumptions.assumeTrue(skip == null, () -> "Ray tests skipped: " + skip);
        Assumptions.assumeTrue(System.getenv("SHM4J_RAY_TEST_BASE") != null,
                "Ray tests skipped: not in the test namespaces (run them with Maven: src/test/ray-jvm/bin/java)");
    }

    /** The head's address, after starting it if needed. */
    public static synchronized String head() {
        assumeAvailable();
        if (!head) {
            long t0 = System.nanoTime();
            ray(node(1), "--head", "--node-ip-address=127.0.0.1", "--port=6379",
                    "--temp-dir=" + Path.of(System.getenv("SHM4J_RAY_TEST_TMP"), "ray"),
                    "--include-dashboard=false");
            headSeconds = (System.nanoTime() - t0) / 1e9;
            head = true;
        }
        return ADDRESS;
    }

    /** Starts the second node (127.0.0.2) if needed. */
    public static synchronized void secondNode() {
        head();
        if (!second) {
            long t0 = System.nanoTime();
            ray(node(2), "--address=" + ADDRESS, "--node-ip-address=127.0.0.2");
            secondSeconds = (System.nanoTime() - t0) / 1e9;
            second = true;
        }
    }

    /**
     * Starts node {@code n} (3 or more: 127.0.0.n, shm directory {@code node<n>}, resource
     * {@code shm4j-node<n>}): a node of its own for a test that kills it ({@link #killNode}).
     */
    public static synchronized void extraNode(int n) {
        head();
        if (n < 3) {
            throw new IllegalArgumentException("nodes 1 and 2 are shared by the tests: n=" + n);
        }
        try {
            Files.createDirectories(shmDir(n));
            Files.createDirectories(Path.of(System.getenv("SHM4J_RAY_TEST_BASE"), "plasma" + n));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ray(n, "--address=" + ADDRESS, "--node-ip-address=127.0.0." + n);
    }

    /**
     * Kills every process of node {@code n} with SIGKILL — its raylet, object store, agents and
     * worker JVMs: the processes whose environment names its shm directory (Ray's processes of a
     * node inherit the environment of its {@code ray start}) — and waits until they are gone.
     *
     * @return the pids killed
     */
    public static List<Long> killNode(int n) {
        String mark = "SHM4J_DIR=" + shmDir(n);
        List<ProcessHandle> victims = ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> environ(p.pid()).contains(mark)).toList();
        victims.forEach(ProcessHandle::destroyForcibly);
        io.shm4j.testkit.Awaits.until("node " + n + "'s processes are gone", Duration.ofSeconds(30),
                () -> victims.stream().noneMatch(ProcessHandle::isAlive));
        return victims.stream().map(ProcessHandle::pid).toList();
    }

    /** The pids of node {@code n}'s processes still alive. */
    public static List<Long> processesOf(int n) {
        String mark = "SHM4J_DIR=" + shmDir(n);
        return ProcessHandle.allProcesses().filter(p -> environ(p.pid()).contains(mark)).map(ProcessHandle::pid)
                .toList();
    }

    private static List<String> environ(long pid) {
        try {
            return List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
                    StandardCharsets.UTF_8).split("\0"));
        } catch (IOException | RuntimeException e) {
            return List.of(); // gone, or not ours
        }
    }

    /** The shm directory of node {@code n} (1 is the driver's). */
    public static Path shmDir(int n) {
        return Path.of(System.getenv("SHM4J_RAY_TEST_BASE"), "node" + n);
    }

    private static int node(int n) {
        return n;
    }

    private static void ray(int node, String... args) {
        String python = System.getenv().getOrDefault("SHM4J_RAY_PYTHON", "python3");
        List<String> cmd = new ArrayList<>(List.of(python, "-c", "from ray.scripts.scripts import main; main()",
                "start", "--num-cpus=2", "--object-store-memory=" + System.getProperty("shm4j.ray.test.object-store-bytes",
                        "200000000"), "--disable-usage-stats",
                "--plasma-directory=" + Path.of(System.getenv("SHM4J_RAY_TEST_BASE"), "plasma" + node),
                "--resources={\"shm4j-node" + node + "\": 100}"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SHM4J_DIR", shmDir(node).toString());
        // Keep idle worker JVMs: by default a raylet kills idle workers beyond one per CPU after 1 s,
        // and a Java worker costs seconds to start and warm (docs/ray.md).
        pb.environment().put("RAY_num_workers_soft_limit", "8");
        pb.environment().put("RAY_idle_worker_killing_time_threshold_ms", "600000");
        // The GCS health-checks each raylet every second (Ray's default: 3 s), so that a node killed
        // by RayNodeLossTest is marked dead within ~5 s, not ~15 s (5 failed checks either way).
        pb.environment().put("RAY_health_check_period_ms", "1000");
        if (Boolean.getBoolean("shm4j.ray.bench")) {
            // The benchmark holds ~6 GB (the array, node 2's copy, Python's ray.put) on a host shared
            // with other builds: Ray's memory monitor, which counts the whole host, would kill workers.
            pb.environment().put("RAY_memory_monitor_refresh_ms", "0");
        }
        try {
            Path log = Files.createTempFile(Path.of(System.getenv("SHM4J_RAY_TEST_TMP")), "ray-start-", ".log");
            Process p = pb.redirectOutput(log.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(Duration.ofSeconds(120).toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IllegalStateException("ray start timed out: node=" + node + "; log:\n" + read(log));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("ray start failed: node=" + node + ", exitCode=" + p.exitValue()
                        + "; log:\n" + read(log));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run ray start: python=" + python + ", error=" + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path log) throws IOException {
        String s = Files.readString(log, StandardCharsets.UTF_8);
        return s.length() > 8000 ? s.substring(s.length() - 8000) : s;
    }
}
