package io.shm4j.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;
import io.shm4j.testkit.Awaits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Workers map a segment once, reuse the mapping, and drop it on release or when the name goes. */
class MappingTest {
    private static long mappings(long pid, String name) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps")).stream()
                    .filter(l -> l.endsWith("/" + name)).count();
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    void shouldMapASegmentOnceAndDropTheMappingOnRelease() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false).build();
             Segment data = PoolContractTest.longs(1000)) {
            long pid = pool.workerPids().getFirst();
            SegmentRef ref = data.ref();
            java.util.List<Integer> hashes = pool.map(i -> System.identityHashCode(
                    TaskContext.current().segment(ref)), IntStream.range(0, 20).boxed().toList());
            assertThat(hashes).containsOnly(hashes.getFirst());
            assertThat(mappings(pid, ref.name())).isEqualTo(1);
            pool.release(ref).join();
            assertThat(mappings(pid, ref.name())).isZero();
        }
    }

    @Test
    void shouldDropTheMappingOfASegmentItsOwnerRemoved() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false)
                .sweepInterval(Duration.ofMillis(100)).build()) {
            long pid = pool.workerPids().getFirst();
            SegmentRef ref;
            try (Segment data = PoolContractTest.longs(1000)) {
                ref = data.ref();
                pool.submit(ctx -> ctx.segment(ref).size()).join();
                assertThat(mappings(pid, ref.name())).isEqualTo(1);
            } // owning close: unmaps here and removes the name
            Awaits.until("the worker drops its mapping", Duration.ofSeconds(10), () -> mappings(pid, ref.name()) == 0);
        }
    }
}
