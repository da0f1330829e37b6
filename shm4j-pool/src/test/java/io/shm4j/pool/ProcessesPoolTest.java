package io.shm4j.pool;

import io.shm4j.segment.ShmOptions;
/** The pool contract on the processes backend; failure cases with real processes are in {@link WorkerFailureTest}. */
class ProcessesPoolTest extends PoolContractTest {
    /**
     * Large items and results fill the socket buffers both ways while releases go to the worker:
     * the worker's reader must never block on a write (it used to answer RELEASED itself, under
     * the lock the executor holds while writing a large result, while the caller's reader waited
     * for the pool lock held by a dispatcher writing to that worker). A guard, not a proof: the
     * race is narrow, and this test did not hit it with the old worker in three runs.
     */
    @org.junit.jupiter.api.Test
    void shouldNotDeadlockWithLargeItemsLargeResultsAndReleases() throws Exception {
        try (WorkerPool pool = builder(1).maxPipelinePerWorker(64).closeTimeout(java.time.Duration.ofSeconds(30)).build();
             io.shm4j.segment.Segment data = longs(16)) {
            io.shm4j.segment.SegmentRef ref = data.ref();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread releaser = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    pool.release(ref).join();
                }
            });
            try {
                java.util.List<byte[]> items = java.util.stream.IntStream.range(0, 24)
                        .mapToObj(i -> new byte[2 << 20]).toList();
                var results = java.util.concurrent.CompletableFuture.supplyAsync(() -> pool.map(b -> {
                    TaskContext.current().segment(ref).size(); // mapped, then released by the other thread
                    return new byte[b.length];
                }, items));
                org.assertj.core.api.Assertions.assertThat(results.get(60, java.util.concurrent.TimeUnit.SECONDS))
                        .hasSize(24).allSatisfy(b -> org.assertj.core.api.Assertions.assertThat(b).hasSize(2 << 20));
            } finally {
                stop.set(true);
                releaser.join(60_000);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void shouldReclaimTheSegmentsAWorkerOwnedWhenThePoolCloses() {
        String name = io.shm4j.testkit.TestNames.unique("worker-owned");
        try (WorkerPool pool = pool(1)) {
            // the handle is left open on purpose: the worker halts at close, its shutdown hook never runs
            long size = pool.submit(ctx -> io.shm4j.segment.Segment.create(ShmOptions.named(name).asMutable(), 64).size()).join();
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

    @Override
    boolean separateProcesses() {
        return true;
    }

    @Override
    void stopProcess(long pid) {
        signal("STOP", pid);
    }

    @Override
    void resumeProcess(long pid) {
        io.shm4j.testkit.Processes.run(new ProcessBuilder("kill", "-CONT", Long.toString(pid)),
                java.time.Duration.ofSeconds(10)); // fails harmlessly when the worker was killed
    }

    private static void signal(String name, long pid) {
        var r = io.shm4j.testkit.Processes.run(new ProcessBuilder("kill", "-" + name, Long.toString(pid)),
                java.time.Duration.ofSeconds(10));
        org.assertj.core.api.Assertions.assertThat(r.exitCode()).as("kill -%s %d: %s", name, pid, r).isZero();
    }
}
