package io.shm4j.ray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.ray.internal.NodeCache;
import io.shm4j.segment.Access;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node cache against an in-process fake transport: two "nodes" are two shm directories, the
 * driver's and another; the transport reads chunks of the driver's segments directly.
 */
class NodeCacheTest {
    private Path root;
    private ShmDirectory driver;
    private ShmDirectory other;
    private final AtomicInteger reads = new AtomicInteger();

    @BeforeEach
    void dirs() throws Exception {
        String base = System.getenv("SHM4J_RAY_TEST_BASE");
        root = Files.createTempDirectory(base != null ? Path.of(base) : Path.of("/dev/shm"), "nodecache-");
        driver = ShmDirectory.of(Files.createDirectory(root.resolve("driver")));
        other = ShmDirectory.of(Files.createDirectory(root.resolve("other")));
    }

    @AfterEach
    void remove() throws Exception {
        try (var s = Files.walk(root)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private NodeCache cache(long capacity) {
        return new NodeCache(other, "driver-node", (ref, off, len) -> {
            reads.incrementAndGet();
            try (Segment s = driver.attach(ref, Access.READ_ONLY)) {
                byte[] b = new byte[len];
                java.lang.foreign.MemorySegment.copy(s.memory(), java.lang.foreign.ValueLayout.JAVA_BYTE, off, b, 0, len);
                return b;
            }
        }, capacity, 1 << 16);
    }

    @Test
    void shouldFetchASegmentOncePerNodeWhateverTheNumberOfConcurrentTasks() throws Exception {
        try (SharedArray a = SharedArray.fromFunction(ShmOptions.defaults().in(driver), DType.FLOAT64,
                new long[] {100_000}, i -> i[0] * 0.5)) {
            SegmentRef ref = a.ref();
            int threads = 6;
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService ex = Executors.newFixedThreadPool(threads);
            List<Future<SegmentRef>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                NodeCache c = cache(0); // one per "worker process"
                fs.add(ex.submit(() -> {
                    go.await();
                    return c.local(ref, Access.READ_ONLY);
                }));
            }
            go.countDown();
            List<SegmentRef> locals = new ArrayList<>();
            for (Future<SegmentRef> f : fs) {
                locals.add(f.get());
            }
            ex.shutdown();
            assertThat(locals).allSatisfy(l -> assertThat(l).isEqualTo(locals.getFirst()));
            assertThat(reads.get()).as("chunks read: one fetch").isEqualTo((int) ((ref.size() + (1 << 16) - 1) >> 16));
            assertThat(NodeCache.stats(other)).containsExactly(1, ref.size());
            try (SharedArray copy = SharedArray.of(other.attach(locals.getFirst(), Access.READ_ONLY))) {
                assertThat(copy.sum()).isEqualTo(a.sum());
                assertThat(copy.shape()).containsExactly(100_000);
                assertThat(locals.getFirst().kind()).isEqualTo(ref.kind());
            }
            assertThat(cache(0).local(ref, Access.READ_ONLY)).isEqualTo(locals.getFirst());
            assertThat(NodeCache.stats(other)[0]).as("a later task maps the copy").isEqualTo(1);
        }
    }

    @Test
    void shouldEvictTheOldestCopiesBeyondItsCapacityAndRefuseWrites() {
        try (SharedArray a = SharedArray.fromFunction(ShmOptions.defaults().in(driver), DType.INT64,
                new long[] {20_000}, i -> i[0]);
             SharedArray b = SharedArray.fromFunction(ShmOptions.defaults().in(driver), DType.INT64,
                     new long[] {20_000}, i -> 2 * i[0])) {
            NodeCache c = cache(a.ref().size() + b.ref().size() - 1); // room for one of them
            SegmentRef ca = c.local(a.ref(), Access.READ_ONLY);
            SegmentRef cb = c.local(b.ref(), Access.READ_ONLY);
            assertThat(other.find(ca.name())).as("evicted").isEmpty();
            assertThat(other.find(cb.name())).isPresent();
            assertThat(NodeCache.stats(other)[0]).isEqualTo(2);
            assertThatThrownBy(() -> cache(100).local(a.ref(), Access.READ_ONLY))
                    .hasMessageContaining("the node cache cannot hold the segment").hasMessageContaining("capacity=100");
            assertThatThrownBy(() -> c.local(a.ref(), Access.READ_WRITE))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("cannot be written from another node");
        }
    }
}
