package io.shm4j.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.array.SharedArray;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.store.ObjectRef;
import io.shm4j.store.ObjectStore;
import io.shm4j.store.ObjectStoreConfig;
import io.shm4j.store.StoredObject;
import io.shm4j.testkit.Awaits;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Object refs through worker processes that die: a killed worker's pins vanish by liveness. */
class ObjectStoreTasksTest {

    private static List<ProcessIdentity> pins(ObjectStore store, ObjectRef<?> ref) {
        return store.objects().stream().filter(o -> o.name().equals(ref.name())).findFirst()
                .map(StoredObject::pins).orElse(List.of());
    }

    @Test
    void shouldDropThePinsOfAWorkerKilledMidTaskSoItsObjectsCanBeEvicted() throws Exception {
        long mb = 1 << 20;
        try (ObjectStore store = ObjectStore.open(ObjectStoreConfig.named(TestNames.unique("killed"))
                     .withCapacity(3 * mb));
             WorkerPool pool = WorkerPool.builder().workers(1).maxRetries(0).progressBar(false).build()) {
            ObjectRef<SharedArray> ref = store.putArray(new double[(int) (mb / 8)]);
            store.release(ref);
            long pid = pool.workerPids().getFirst();
            CompletableFuture<Object> task = pool.submit(ctx -> {
                ctx.get(ref);
                Thread.sleep(60_000); // killed here, holding the object
                return null;
            });
            Awaits.until("the worker pins the object", Duration.ofSeconds(30),
                    () -> pins(store, ref).stream().anyMatch(p -> p.pid() == pid));
            assertThatThrownBy(() -> store.putArray(new double[(int) (2 * mb / 8)]))
                    .as("1 MiB pinned by the worker + 2 MiB > 3 MiB").isInstanceOf(io.shm4j.store.ObjectStoreFullException.class);

            Processes.kill9(ProcessHandle.of(pid).orElseThrow());
            assertThatThrownBy(() -> task.get(60, TimeUnit.SECONDS)).cause().isInstanceOf(WorkerDiedException.class);
            assertThat(pins(store, ref)).as("a dead process pins nothing").isEmpty();
            ObjectRef<SharedArray> big = store.putArray(new double[(int) (2 * mb / 8)]);
            assertThat(store.contains(ref)).as("evicted to make room").isFalse();
            assertThat(store.get(big).size()).isEqualTo(2 * mb / 8);

            // the replacement worker uses the store as well
            assertThat(pool.submit(ctx -> ctx.get(big).size()).get(60, TimeUnit.SECONDS)).isEqualTo(2 * mb / 8);
        }
    }
}
