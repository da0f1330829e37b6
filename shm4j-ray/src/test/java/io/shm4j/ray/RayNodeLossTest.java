package io.shm4j.ray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.pool.TaskTimeoutException;
import io.shm4j.pool.WorkerPool;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Awaits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole node lost mid-task: node 3 of the test cluster (127.0.0.3, a shm directory of its own),
 * all its processes — raylet, object store, agents, worker JVMs — killed with SIGKILL while tasks
 * of two pools run there. A call pinned to it fails with {@link RayNodeLostException}, a call
 * that only prefers it runs again on a node alive, within a deadline; a call no node can run fails
 * at its task timeout plus the margin. Nothing is left on node 1, and node 3's directory holds
 * only what {@code gc} reclaims.
 */
class RayNodeLossTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90); // Ray's GCS marks the node dead, then ~1 s

    @TempDir
    Path tmp;

    @BeforeAll
    static void cluster() {
        LocalRayCluster.extraNode(3);
    }

    private static WorkerPool.Builder builder(int maxRetries) {
        return RayPool.nodeIp(RayPool.builder(LocalRayCluster.ADDRESS).workers(1).progressBar(false)
                .maxRetries(maxRetries).closeTimeout(Duration.ofSeconds(10)), "127.0.0.1");
    }

    /**
     * A task that maps {@code array} (node 3 copies it), writes its pid to {@code marker}, then
     * waits to be killed; if the marker exists (it runs again) it answers where it runs.
     */
    private static CompletableFuture<String> victim(WorkerPool pool, SegmentRef array, Path marker) {
        String m = marker.toString();
        return pool.submit(ctx -> {
            Path p = Path.of(m);
            if (Files.exists(p)) {
                return "again in " + System.getenv("SHM4J_DIR") + ", sum " + ctx.array(array).sum();
            }
            ctx.array(array).sum();
            Path t = Path.of(m + ".tmp");
            Files.writeString(t, ProcessHandle.current().pid() + " " + System.getenv("SHM4J_DIR"));
            Files.move(t, p, StandardCopyOption.ATOMIC_MOVE);
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return "not killed";
        });
    }

    private static Set<String> names(int node) {
        return ShmDirectory.of(LocalRayCluster.shmDir(node)).list().stream().map(SegmentInfo::name)
                .collect(Collectors.toSet());
    }

    @Test
    void shouldRetryElsewhereOrFailTypedWithinADeadlineWhenTheTasksNodeIsLost() throws Exception {
        Set<String> node1Before = names(1);
        String node3 = LocalRayCluster.shmDir(3).toString();
        try (SharedArray a = SharedArray.fromFunction(ShmOptions.defaults(), DType.FLOAT64, new long[] {100_000},
                     i -> i[0]);
             WorkerPool pinned = RayPool.resources(builder(1), Map.of("CPU", 1.0, "shm4j-node3", 1.0)).build();
             WorkerPool preferring = RayPool.preferResources(RayPool.resources(builder(1), Map.of("CPU", 1.0)),
                     Map.of("shm4j-node3", 1.0)).build();
             WorkerPool nowhere = RayPool.resources(builder(0).taskTimeout(Duration.ofSeconds(1))
                     .engineOption("ray.answer-margin-ms", "2000"), Map.of("CPU", 1.0, "shm4j-nowhere", 1.0)).build()) {
            Path m1 = tmp.resolve("pinned");
            Path m2 = tmp.resolve("preferring");
            CompletableFuture<String> onlyThere = victim(pinned, a.ref(), m1);
            CompletableFuture<String> rather = victim(preferring, a.ref(), m2);
            Awaits.until("both tasks run on node 3", Duration.ofSeconds(90), () -> Files.exists(m1) && Files.exists(m2));
            assertThat(Files.readString(m1)).endsWith(" " + node3);
            assertThat(Files.readString(m2)).endsWith(" " + node3);
            long t0 = System.nanoTime();
            CompletableFuture<Integer> never = nowhere.submit(ctx -> 1);

            List<Long> killed = LocalRayCluster.killNode(3);
            assertThat(killed).as("node 3's raylet, store, agents and workers").hasSizeGreaterThan(2);

            assertThatThrownBy(() -> never.get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TaskTimeoutException.class)
                    .hasMessageContaining("shm4j-nowhere");
            assertThatThrownBy(() -> onlyThere.get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(RayNodeLostException.class)
                    .hasMessageContaining("127.0.0.3").satisfies(e -> assertThat(((RayNodeLostException) e)
                            .nodes()).containsExactly("127.0.0.3"));
            double lostSeconds = (System.nanoTime() - t0) / 1e9;
            String again = rather.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertThat(again).as("run again on a node alive").startsWith("again in ")
                    .doesNotContain(node3).endsWith("sum " + a.sum());
            System.out.printf("node 3 lost: pinned call failed after %.1f s, preferring call answered after %.1f s%n",
                    lostSeconds, (System.nanoTime() - t0) / 1e9);

            long t1 = System.nanoTime();
            assertThatThrownBy(() -> pinned.submit(ctx -> 1).get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .as("a new call for the lost node's resources fails too").cause()
                    .isInstanceOf(RayNodeLostException.class).hasMessageContaining("no node alive");
            assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(10));
            assertThat(preferring.submit(ctx -> System.getenv("SHM4J_DIR")).get(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .isNotEqualTo(node3);
        }
        assertThat(LocalRayCluster.processesOf(3)).as("no process of node 3 left").isEmpty();
        assertThat(names(1)).as("nothing left on node 1").isSubsetOf(node1Before);
        ShmDirectory dir3 = ShmDirectory.of(LocalRayCluster.shmDir(3));
        assertThat(names(3)).as("node 3 copied the array").isNotEmpty();
        dir3.gc(false); // what node 3's dead workers owned: scoped to them
        assertThat(names(3)).as("only node 3's persistent fetch counter is left").containsOnly("shm4j-ray-stats");
    }
}
