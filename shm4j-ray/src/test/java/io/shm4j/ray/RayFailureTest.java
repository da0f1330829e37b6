package io.shm4j.ray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.pool.WorkerDiedException;
import io.shm4j.pool.WorkerPool;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Awaits;
import io.shm4j.testkit.Processes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes die: a Ray worker of the second node killed with SIGKILL while it runs a task, and
 * a driver JVM killed with SIGKILL while its node copies and segments exist.
 */
class RayFailureTest {
    @TempDir
    Path tmp;

    @BeforeAll
    static void cluster() {
        LocalRayCluster.secondNode();
    }

    private static WorkerPool onNode2(int maxRetries) {
        WorkerPool.Builder b = RayPool.builder(LocalRayCluster.ADDRESS).workers(1).progressBar(false)
                .maxRetries(maxRetries);
        return RayPool.resources(RayPool.nodeIp(b, "127.0.0.1"), Map.of("CPU", 1.0, "shm4j-node2", 1.0)).build();
    }

    /**
     * Submits a task that writes its worker's pid to {@code marker} and waits to be killed, or, if
     * the marker exists (it runs again), answers where it ran.
     */
    private static CompletableFuture<String> victim(WorkerPool pool, Path marker) {
        String m = marker.toString();
        return pool.submit(ctx -> {
            Path p = Path.of(m);
            if (Files.exists(p)) {
                return "again on " + System.getenv("SHM4J_DIR");
            }
            Path t = Path.of(m + ".tmp");
            Files.writeString(t, Long.toString(ProcessHandle.current().pid()));
            Files.move(t, p, StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return "not killed";
        });
    }

    private static void killWorkerOf(Path marker) throws Exception {
        Awaits.until("the task runs and says its pid", Duration.ofSeconds(60), () -> Files.exists(marker));
        long pid = Long.parseLong(Files.readString(marker).trim());
        ProcessHandle worker = ProcessHandle.of(pid).orElseThrow();
        assertThat(worker.info().command().orElse("")).endsWith("java");
        Processes.kill9(worker);
    }

    @Test
    void shouldRetryOrFailWithADeadWorkerWhenAWorkerOfAnotherNodeIsKilledMidTask() throws Exception {
        try (WorkerPool pool = onNode2(0)) {
            Path marker = tmp.resolve("first");
            CompletableFuture<String> f = victim(pool, marker);
            killWorkerOf(marker);
            assertThatThrownBy(f::join).cause().isInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("maxRetries=0");
            assertThat(pool.submit(ctx -> System.getenv("SHM4J_DIR")).join()).as("the pool keeps working")
                    .isEqualTo(LocalRayCluster.shmDir(2).toString());
        }
        try (WorkerPool pool = onNode2(1)) {
            Path marker = tmp.resolve("second");
            CompletableFuture<String> f = victim(pool, marker);
            killWorkerOf(marker);
            assertThat(f.join()).as("run again on another worker of node 2")
                    .isEqualTo("again on " + LocalRayCluster.shmDir(2));
        }
    }

    private static Set<String> names(int node) {
        return ShmDirectory.of(LocalRayCluster.shmDir(node)).list().stream().map(SegmentInfo::name)
                .collect(Collectors.toSet());
    }

    @Test
    void shouldRemoveWhatAKilledDriverLeftOnEveryNode() throws Exception {
        Set<String> node1Before = names(1);
        Set<String> node2Before = names(2);
        ProcessBuilder pb = Processes.javaBuilder(RayDriverMain.class, LocalRayCluster.ADDRESS)
                .redirectError(tmp.resolve("driver.err").toFile());
        Process driver = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(driver.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.startsWith("READY "));
            assertThat(line).as("the driver got ready; its stderr:\n%s",
                    Files.readString(tmp.resolve("driver.err"))).isNotNull();
            String[] words = line.split(" ");
            String array = words[1];
            List<Long> workers = Arrays.stream(words[2].split(",")).map(Long::parseLong).toList();
            assertThat(names(1)).contains(array);
            Set<String> copies = names(2).stream().filter(n -> !node2Before.contains(n)).collect(Collectors.toSet());
            assertThat(copies).as("node 2 copied the driver's array").isNotEmpty();

            Processes.kill9(driver.toHandle());

            Awaits.until("Ray stops the dead job's workers", Duration.ofSeconds(60),
                    () -> workers.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
            Awaits.until("node 2's copies are reclaimed (gc in its Ray workers)", Duration.ofSeconds(60),
                    () -> names(2).stream().noneMatch(copies::contains));
            try (WorkerPool pool = onNode2(1)) { // a pool's start reclaims the dead driver's segments
                assertThat(names(1)).doesNotContain(array);
                assertThat(pool.submit(ctx -> 7).join()).isEqualTo(7);
            }
            assertThat(names(1)).isSubsetOf(node1Before);
        } finally {
            driver.destroyForcibly().waitFor();
        }
    }

    /** A driver JVM for {@link #shouldRemoveWhatAKilledDriverLeftOnEveryNode}: ready, then killed. */
    public static final class RayDriverMain {
        private RayDriverMain() {}

        public static void main(String[] args) throws Exception {
            WorkerPool.Builder b = RayPool.builder(args[0]).workers(2).progressBar(false);
            WorkerPool pool = RayPool.resources(RayPool.nodeIp(b, "127.0.0.1"),
                    Map.of("CPU", 1.0, "shm4j-node2", 1.0)).build();
            SharedArray a = SharedArray.fromFunction(ShmOptions.defaults(), DType.FLOAT64, new long[] {100_000},
                    i -> i[0]);
            double sum = pool.mapRows(a, 4, (chunk, ctx) -> ctx.array(chunk.ref()).slice(chunk.start(), chunk.end())
                    .sum()).stream().mapToDouble(Double::doubleValue).sum();
            if (sum != a.sum()) {
                throw new AssertionError("sum=" + sum);
            }
            String pids = pool.workerPids().stream().map(String::valueOf).collect(Collectors.joining(","));
            System.out.println("READY " + a.ref().name() + " " + pids);
            System.out.flush();
            Thread.sleep(120_000); // until killed
        }
    }
}
