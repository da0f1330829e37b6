package io.shm4j.ray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.pool.TaskContext;
import io.shm4j.pool.TaskFailedException;
import io.shm4j.pool.WorkerPool;
import io.shm4j.ray.internal.NodeCache;
import io.shm4j.segment.Access;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.TestNames;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tasks on another node (a second Ray node on 127.0.0.2 with a shm directory of its own): refs
 * travel, and each node fetches each segment once, whatever the number of tasks and workers.
 */
class RayTwoNodeTest {
    @BeforeAll
    static void cluster() {
        LocalRayCluster.secondNode();
    }

    private static WorkerPool onNode2(int workers) {
        WorkerPool.Builder b = RayPool.builder(LocalRayCluster.ADDRESS).workers(workers).progressBar(false)
                .engineOption("ray.chunk-bytes", Integer.toString(1 << 20));
        return RayPool.resources(RayPool.nodeIp(b, "127.0.0.1"), Map.of("CPU", 1.0, "shm4j-node2", 1.0)).build();
    }

    private static long[] node2Stats() {
        return NodeCache.stats(ShmDirectory.of(LocalRayCluster.shmDir(2)));
    }

    @Test
    void shouldFetchEachSegmentOncePerNodeAndMapItInEveryLaterTask() {
        try (WorkerPool pool = onNode2(2);
             SharedArray a = SharedArray.fromFunction(ShmOptions.defaults(), DType.FLOAT64, new long[] {1_000_000},
                     i -> i[0] % 1000);
             SharedFrame f = SharedFrame.builder(10_000).addDoubles("x", i -> i * 0.25, i -> false).build()) {
            long[] before = node2Stats();
            List<String> where = pool.map(i -> System.getenv("SHM4J_DIR"), IntStream.range(0, 8).boxed().toList());
            assertThat(where).containsOnly(LocalRayCluster.shmDir(2).toString());

            List<Double> sums = pool.mapRows(a, 16, (chunk, ctx) ->
                    ctx.array(chunk.ref()).slice(chunk.start(), chunk.end()).sum());
            assertThat(sums.stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(a.sum());
            long[] once = node2Stats();
            assertThat(once[0] - before[0]).as("fetches of the array by node 2").isEqualTo(1);
            assertThat(once[1] - before[1]).isEqualTo(a.ref().size());

            List<Double> again = pool.mapRows(a, 16, (chunk, ctx) ->
                    ctx.array(chunk.ref()).slice(chunk.start(), chunk.end()).sum());
            assertThat(again).isEqualTo(sums);
            double fsum = pool.mapRows(f, 4, (chunk, ctx) -> ctx.frame(chunk.ref()).doubles("x")
                    .slice(chunk.start(), chunk.end()).sum()).stream().mapToDouble(Double::doubleValue).sum();
            assertThat(fsum).isEqualTo(f.doubles("x").sum());
            long[] after = node2Stats();
            assertThat(after[0] - before[0]).as("one fetch per segment and node, however many tasks").isEqualTo(2);

            var ref = a.ref();
            assertThatThrownBy(() -> pool.submit(ctx -> ctx.segment(ref, Access.READ_WRITE).size()).join())
                    .cause().isInstanceOf(TaskFailedException.class)
                    .cause().isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("cannot be written from another node");
            assertThat(pool.submit(ctx -> TaskContext.current().array(ref).sum()).join()).isEqualTo(a.sum());
        }
    }

    /** What node 2's shm directory holds besides the node cache's copies and counters. */
    private static List<String> node2Others() {
        return ShmDirectory.of(LocalRayCluster.shmDir(2)).list().stream().map(SegmentInfo::name)
                .filter(n -> !n.startsWith("shm4j-raycache-") && !n.equals("shm4j-ray-stats")).toList();
    }

    @Test
    void shouldBringResultsPublishedOnAnotherNodeIntoSegmentsTheDriverOwns() {
        String name = TestNames.unique("remote-result");
        try (WorkerPool pool = onNode2(2);
             SharedArray a = SharedArray.fromFunction(ShmOptions.defaults(), DType.FLOAT64, new long[] {1_000_000},
                     i -> i[0] % 1000)) {
            SegmentRef in = a.ref();
            List<String> before = node2Others();
            // 8 MB: 8 chunks of 1 MiB (ray.chunk-bytes), read back 4 at a time
            SegmentRef r = pool.submit(ctx -> {
                SharedArray src = ctx.array(in);
                return ctx.publishResult(SharedArray.fromFunction(ctx.resultOptions().withName(name), DType.FLOAT64,
                        new long[] {1_000_000}, i -> src.getAsDouble(i[0]) * 2 + (System.getenv("SHM4J_DIR").endsWith("node2") ? 1 : 0)));
            }).join();
            assertThat(r.name()).as("the name the task chose").isEqualTo(name);
            try (SharedArray mine = SharedArray.of(Segment.adopt(r))) {
                assertThat(mine.segment().isOwning()).isTrue();
                assertThat(mine.segment().path().getParent()).isEqualTo(LocalRayCluster.shmDir(1));
                assertThat(mine.sum()).isEqualTo(2 * a.sum() + 1_000_000); // + 1: made on node 2
                assertThat(mine.getAsDouble(999_999)).isEqualTo(2 * 999 + 1);
            }
            assertThat(ShmDirectory.current().find(name)).isEmpty();

            // a frame, and several results of one batch (lists of refs come back rewritten too)
            List<SegmentRef> frames = pool.map(k -> {
                TaskContext ctx = TaskContext.current();
                try (SharedFrame f = SharedFrame.builder(1000).addDoubles("x", i -> i * k, i -> false)
                        .build(ShmOptions.defaults());
                     PendingSegment p = Segment.reserve(ctx.resultOptions().spec(f.segment().size(), SegmentKind.FRAME))) {
                    MemorySegment.copy(f.segment().memory(), 0, p.memory(), 0, f.segment().size());
                    return ctx.publishResult(p);
                }
            }, List.of(1, 2, 3));
            for (int k = 1; k <= 3; k++) {
                try (SharedFrame f = SharedFrame.of(Segment.adopt(frames.get(k - 1)))) {
                    assertThat(f.segment().path().getParent()).isEqualTo(LocalRayCluster.shmDir(1));
                    assertThat(f.doubles("x").sum()).isEqualTo(k * 999 * 1000 / 2.0);
                }
            }
            assertThat(node2Others()).as("nothing left on node 2").isEqualTo(before);
        }
    }

    @Test
    void shouldRefuseAStoreResultPutOnAnotherNodeWithOneClearError() {
        try (WorkerPool pool = onNode2(1); io.shm4j.store.ObjectStore store = io.shm4j.store.ObjectStore.open(
                TestNames.unique("store"))) {
            String storeName = store.name();
            assertThatThrownBy(() -> pool.submit(ctx -> ctx.putResult(storeName, "hello")).join())
                    .cause().isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("object stores are per node")
                    .cause().isInstanceOf(UnsupportedOperationException.class);
            assertThat(pool.submit(ctx -> 1 + 1).join()).isEqualTo(2); // the pool keeps working
        }
    }
}
