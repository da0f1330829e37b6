package io.shm4j.array;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConcurrentAtomicsTest {
    private static final int PROCESSES = 4;
    private static final int ADDS = 20_000;

    @Test
    void shouldAddExactlyFromFourProcessesAtOnce() {
        try (SharedArray longs = SharedArray.zeros(ShmOptions.named(TestNames.unique("atomic-l")).asMutable(), DType.INT64, 2);
                SharedArray doubles = SharedArray.zeros(ShmOptions.named(TestNames.unique("atomic-d")).asMutable(), DType.FLOAT64, 2)) {
            List<CompletableFuture<Processes.Result>> runs = new ArrayList<>();
            for (int p = 0; p < PROCESSES; p++) {
                runs.add(CompletableFuture.supplyAsync(() -> Processes.java(AtomicAdder.class, longs.name(),
                        doubles.name(), Integer.toString(ADDS)), Thread::startVirtualThread));
            }
            // this JVM adds too, while the others run
            for (int i = 0; i < ADDS; i++) {
                longs.longs().getAndAdd(0, 1);
            }
            runs.forEach(r -> r.join().assertOk());
            assertThat(longs.longs().getAcquire(0)).isEqualTo((long) (PROCESSES + 1) * ADDS);
            assertThat(longs.longs().getAcquire(1)).isEqualTo(2L * PROCESSES * ADDS);
            assertThat(doubles.doubles().getVolatile(0) + doubles.doubles().getVolatile(1)).isEqualTo(0.5 * PROCESSES * ADDS);
            assertThat(doubles.doubles().getVolatile(0)).isEqualTo(0.25 * PROCESSES * ADDS);
        }
    }

    @Test
    void shouldAddIntsAtomicallyFromManyThreads() throws Exception {
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.UINT32, 1)) {
            long[] idx = {0};
            AtomicInteger casWins = new AtomicInteger();
            Thread[] ts = new Thread[4];
            for (int t = 0; t < ts.length; t++) {
                ts[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 50_000; i++) {
                        a.ints().getAndAdd(idx, 1);
                        int v = a.ints().getAcquire(0);
                        if (a.ints().compareAndSet(idx, v, v)) {
                            casWins.incrementAndGet();
                        }
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            assertThat(a.getAsLong(0)).isEqualTo(200_000);
            assertThat(casWins.get()).isPositive();
        }
    }

    @Test
    void shouldPublishWithReleaseAndAcquire() throws Exception {
        // Ping-pong between two threads through one mutable array: [0] ack, [1] flag, [2] payload.
        // A reader that saw the flag must see the payload written before it; a plain (hoisted)
        // read of the flag would spin forever and fail at the deadline.
        int rounds = 20_000;
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.INT64, 3)) {
            java.util.concurrent.CompletableFuture<Void> reader = java.util.concurrent.CompletableFuture.runAsync(() -> {
                for (long i = 1; i <= rounds; i++) {
                    while (a.longs().getAcquire(1) != i) {
                        Thread.onSpinWait();
                    }
                    if (a.longs().get(2) != i * 7) {
                        throw new AssertionError("payload not visible after acquire: round=" + i
                                + ", payload=" + a.longs().get(2));
                    }
                    a.longs().setRelease(new long[] {0}, i);
                }
            });
            for (long i = 1; i <= rounds; i++) {
                a.longs().set(2, i * 7);
                a.longs().setRelease(new long[] {1}, i);
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (a.longs().getAcquire(0) != i) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("no acknowledgement: round=" + i);
                    }
                    Thread.onSpinWait();
                }
            }
            reader.get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
