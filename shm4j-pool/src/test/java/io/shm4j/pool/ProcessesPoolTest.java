package io.shm4j.pool;

/** The pool contract on the processes backend; failure cases with real processes are in {@link WorkerFailureTest}. */
class ProcessesPoolTest extends PoolContractTest {
    @org.junit.jupiter.api.Test
    void shouldReclaimTheSegmentsAWorkerOwnedWhenThePoolCloses() {
        String name = io.shm4j.testkit.TestNames.unique("worker-owned");
        try (WorkerPool pool = pool(1)) {
            // the handle is left open on purpose: the worker halts at close, its shutdown hook never runs
            long size = pool.submit(ctx -> io.shm4j.segment.Segment.create(name, 64).size()).join();
            org.assertj.core.api.Assertions.assertThat(size).isEqualTo(64);
            org.assertj.core.api.Assertions.assertThat(io.shm4j.segment.ShmDirectory.current().find(name)).isPresent();
        }
        org.assertj.core.api.Assertions.assertThat(io.shm4j.segment.ShmDirectory.current().find(name))
                .as("reclaimed when the pool stopped, without a gc of our own").isEmpty();
    }

    @Override
    Backend backend() {
        return Backend.PROCESSES;
    }
}
