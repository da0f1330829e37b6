package io.shm4j.array;

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
        try (SharedArray longs = SharedArray.zeros(TestNames.unique("atomic-l"), DType.INT64, 2);
                SharedArray doubles = SharedArray.zeros(TestNames.unique("atomic-d"), DType.FLOAT64, 2)) {
            List<CompletableFuture<Processes.Result>> runs = new ArrayList<>();
            for (int p = 0; p < PROCESSES; p++) {
                runs.add(CompletableFuture.supplyAsync(() -> Processes.java(AtomicAdder.class, longs.name(),
                        doubles.name(), Integer.toString(ADDS)), Thread::startVirtualThread));
            }
            // this JVM adds too, while the others run
            for (int i = 0; i < ADDS; i++) {
                longs.getAndAddLong(0, 1);
            }
            runs.forEach(r -> r.join().assertOk());
            assertThat(longs.getLongAcquire(0)).isEqualTo((long) (PROCESSES + 1) * ADDS);
            assertThat(longs.getLongAcquire(1)).isEqualTo(2L * PROCESSES * ADDS);
            assertThat(doubles.getDoubleVolatile(0) + doubles.getDoubleVolatile(1)).isEqualTo(0.5 * PROCESSES * ADDS);
            assertThat(doubles.getDoubleVolatile(0)).isEqualTo(0.25 * PROCESSES * ADDS);
        }
    }

    @Test
    void shouldAddIntsAtomicallyFromManyThreads() throws Exception {
        try (SharedArray a = SharedArray.zeros((String) null, DType.UINT32, 1)) {
            long[] idx = {0};
            AtomicInteger casWins = new AtomicInteger();
            Thread[] ts = new Thread[4];
            for (int t = 0; t < ts.length; t++) {
                ts[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 50_000; i++) {
                        a.getAndAddInt(idx, 1);
                        int v = a.getIntAcquire(0);
                        if (a.compareAndSetInt(idx, v, v)) {
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
    void shouldPublishWithReleaseAndAcquire() {
        try (SharedArray a = SharedArray.zeros((String) null, DType.INT64, 2)) {
            a.setLong(0, 42);
            a.setLongRelease(new long[] {1}, 1);
            assertThat(a.getLongAcquire(1)).isEqualTo(1);
            assertThat(a.getLong(0)).isEqualTo(42);
        }
    }
}
