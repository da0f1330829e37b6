package io.shm4j.pool;

import io.shm4j.segment.ShmOptions;
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

    /** Mappings of the file with inode {@code inode} in process {@code pid}: found even after the name is gone. */
    private static long mappingsOfInode(long pid, long inode) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps")).stream()
                    .map(l -> l.trim().split("\\s+"))
                    .filter(f -> f.length >= 5 && f[4].equals(Long.toString(inode))).count();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long inode(Segment s) {
        try {
            return ((Number) Files.getAttribute(s.path(), "unix:ino")).longValue();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void shouldMapASegmentOnceAndDropTheMappingOnRelease() {
        try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false).build();
             Segment data = PoolContractTest.longs(1000)) {
            long pid = pool.workerPids().getFirst();
            SegmentRef ref = data.ref();
            java.util.List<Long> addresses = pool.map(i -> TaskContext.current().segment(ref).memory().address(),
                    IntStream.range(0, 20).boxed().toList());
            assertThat(addresses).as("one mapping, borrowed by every task").containsOnly(addresses.getFirst());
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
            long inode;
            try (Segment data = PoolContractTest.longs(1000)) {
                ref = data.ref();
                inode = inode(data);
                pool.submit(ctx -> ctx.segment(ref).size()).join();
                assertThat(mappings(pid, ref.name())).isEqualTo(1);
                assertThat(mappingsOfInode(pid, inode)).isEqualTo(1);
            } // owning close: unmaps here and removes the name
            Awaits.until("the worker drops its mapping", Duration.ofSeconds(10), () -> mappingsOfInode(pid, inode) == 0);
        }
    }

    /**
     * A task that maps {@code data}, signals it started (word 0 of {@code control}), waits for the
     * go (word 1) and then reads the mapping: the sum of the first 1000 longs.
     */
    private static Task<Long> readAfterGo(SegmentRef data, SegmentRef control) {
        return ctx -> {
            var m = ctx.segment(data).memory();
            var c = ctx.segment(control, io.shm4j.segment.Access.READ_WRITE).memory();
            c.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (c.get(java.lang.foreign.ValueLayout.JAVA_LONG, 8) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            long sum = 0;
            for (int i = 0; i < 1000; i++) {
                sum += m.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i);
            }
            return sum;
        };
    }

    /** Gives the worker {@code window} to drop the mapping under the task if it wrongly would; then lets the task go on. */
    private static void holdThenGo(Segment control, java.util.function.BooleanSupplier dropped, Duration window) {
        long end = System.nanoTime() + window.toNanos();
        while (!dropped.getAsBoolean() && System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        control.memory().set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, 1);
    }

    @Test
    void shouldNotUnmapASegmentReleasedWhileARunningTaskUsesIt() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false).build();
             Segment data = PoolContractTest.longs(1000);
             Segment control = Segment.create(ShmOptions.named(io.shm4j.testkit.TestNames.unique("control")).asMutable(), 16)) {
            long pid = pool.workerPids().getFirst();
            var task = pool.submit(readAfterGo(data.ref(), control.ref()));
            Awaits.until("the task mapped the data", Duration.ofSeconds(30),
                    () -> control.memory().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) == 1);
            var released = pool.release(data.ref());
            holdThenGo(control, () -> released.isDone() || mappings(pid, data.name()) == 0, Duration.ofSeconds(1));
            assertThat(task.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(999L * 1000 / 2);
            released.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(mappings(pid, data.name())).as("dropped once the task ended").isZero();
        }
    }

    @Test
    void shouldNotUnmapASegmentRemovedWhileARunningTaskUsesIt() throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false)
                .sweepInterval(Duration.ofMillis(10)).build();
             Segment control = Segment.create(ShmOptions.named(io.shm4j.testkit.TestNames.unique("control")).asMutable(), 16)) {
            long pid = pool.workerPids().getFirst();
            long inode;
            java.util.concurrent.CompletableFuture<Long> task;
            try (Segment data = PoolContractTest.longs(1000)) {
                inode = inode(data);
                task = pool.submit(readAfterGo(data.ref(), control.ref()));
                Awaits.until("the task mapped the data", Duration.ofSeconds(30),
                        () -> control.memory().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) == 1);
            } // removes the name: the next sweep drops the worker's mapping, but not under the task
            holdThenGo(control, () -> mappingsOfInode(pid, inode) == 0, Duration.ofSeconds(1));
            assertThat(task.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(999L * 1000 / 2);
            Awaits.until("the worker drops its mapping after the task", Duration.ofSeconds(10),
                    () -> mappingsOfInode(pid, inode) == 0);
        }
    }
}
