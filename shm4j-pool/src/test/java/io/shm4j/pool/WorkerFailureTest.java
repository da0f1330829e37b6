package io.shm4j.pool;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.segment.Access;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;
import io.shm4j.testkit.Awaits;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Worker failures with real processes: kill -9, System.exit, out of memory, timeouts. */
class WorkerFailureTest {
    private static WorkerPool.Builder builder(int workers) {
        return WorkerPool.builder().workers(workers).progressBar(false);
    }

    @Test
    void shouldRetryATaskWhoseWorkerIsKilledMidTaskOnAReplacementWorker() throws Exception {
        try (WorkerPool pool = builder(1).maxRetries(1).build();
             Segment flag = Segment.create(ShmOptions.named(TestNames.unique("flag")).asMutable(), 16)) {
            SegmentRef ref = flag.ref();
            long firstPid = pool.workerPids().getFirst();
            CompletableFuture<String> f = pool.submit(ctx -> {
                var m = ctx.segment(ref, Access.READ_WRITE).memory();
                if (m.get(ValueLayout.JAVA_LONG, 0) == 0) {
                    m.set(ValueLayout.JAVA_LONG, 0, ProcessHandle.current().pid());
                    Thread.sleep(60_000); // killed here
                }
                return "ran again in " + ProcessHandle.current().pid();
            });
            Awaits.until("the task started", Duration.ofSeconds(30),
                    () -> flag.memory().get(ValueLayout.JAVA_LONG, 0) != 0);
            assertThat(flag.memory().get(ValueLayout.JAVA_LONG, 0)).isEqualTo(firstPid);
            Processes.kill9(ProcessHandle.of(firstPid).orElseThrow());
            String result = f.get(60, TimeUnit.SECONDS);
            assertThat(result).startsWith("ran again in ").doesNotEndWith(" " + firstPid);
            assertThat(pool.workerPids()).hasSize(1).doesNotContain(firstPid);
        }
    }

    @Test
    void shouldFailWithWorkerDiedWhenATaskKeepsKillingItsWorker() {
        try (WorkerPool pool = builder(1).maxRetries(1).build()) {
            CompletableFuture<Object> f = pool.submit(ctx -> {
                System.exit(7);
                return null;
            });
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(WorkerDiedException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(7);
                        assertThat(e.signal()).isEmpty();
                        assertThat(e.taskId()).isPositive();
                        assertThat(e).isInstanceOf(io.shm4j.Shm4jException.class);
                        assertThat(e.getMessage()).contains("exitCode=7", "runs=2", "maxRetries=1", "System.exit");
                    });
            assertThat(pool.submit(ctx -> "replaced").join()).isEqualTo("replaced");
        }
    }

    @Test
    void shouldReportTheSignalWhenAWorkerIsKilledWithoutRetries() throws Exception {
        try (WorkerPool pool = builder(1).maxRetries(0).build();
             Segment flag = Segment.create(ShmOptions.named(TestNames.unique("started")).asMutable(), 8)) {
            long pid = pool.workerPids().getFirst();
            SegmentRef ref = flag.ref();
            CompletableFuture<Object> f = pool.submit(ctx -> {
                ctx.segment(ref, Access.READ_WRITE).memory().set(ValueLayout.JAVA_LONG, 0, 1);
                Thread.sleep(60_000);
                return null;
            });
            Awaits.until("the worker runs the task", Duration.ofSeconds(30),
                    () -> flag.memory().get(ValueLayout.JAVA_LONG, 0) == 1);
            Processes.kill9(ProcessHandle.of(pid).orElseThrow());
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(WorkerDiedException.class, e -> {
                        assertThat(e.signal()).hasValue(9);
                        assertThat(e.pid()).isEqualTo(pid);
                        assertThat(e.getMessage()).contains("signal=9", "kill -9");
                    });
        }
    }

    @Test
    void shouldFailWithWorkerDiedWhenAWorkerRunsOutOfMemory() {
        try (WorkerPool pool = builder(1).workerHeap("48m").maxRetries(0).build()) {
            CompletableFuture<Object> f = pool.submit(ctx -> {
                List<long[]> hog = new ArrayList<>();
                while (true) {
                    hog.add(new long[1 << 20]);
                }
            });
            assertThatThrownBy(() -> f.get(60, TimeUnit.SECONDS)).cause()
                    .isInstanceOfSatisfying(WorkerDiedException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(3);
                        assertThat(e.getMessage()).contains("out of memory", "workerHeap");
                    });
            assertThat(pool.submit(ctx -> 1 + 1).join()).isEqualTo(2);
        }
    }

    @Test
    void shouldKillAndReplaceTheWorkerOfATimedOutTask() throws Exception {
        // 1.5 s: the queued task runs on a fresh replacement JVM, which may take a while to load classes
        try (WorkerPool pool = builder(1).taskTimeout(Duration.ofMillis(1500)).build()) {
            long pid = pool.workerPids().getFirst();
            CompletableFuture<Object> slow = pool.submit(ctx -> {
                Thread.sleep(60_000);
                return null;
            });
            CompletableFuture<String> queued = pool.submit(ctx -> "queued behind");
            assertThatThrownBy(() -> slow.get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(TaskTimeoutException.class).hasMessageContaining("pid=" + pid);
            assertThat(queued.get(30, TimeUnit.SECONDS)).isEqualTo("queued behind");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(pool.workerPids()).doesNotContain(pid);
        }
    }

    @Test
    void shouldRejectATaskThatCannotBeSerializedAtSubmit() {
        try (WorkerPool pool = builder(1).build()) {
            Object notSerializable = new Object();
            assertThatThrownBy(() -> pool.submit(ctx -> notSerializable.hashCode()))
                    .isInstanceOf(TaskNotSerializableException.class)
                    .hasMessageContaining("cannot serialize the task")
                    .hasMessageContaining("java.lang.Object");
            assertThatThrownBy(() -> pool.map(x -> notSerializable.hashCode() + x, List.of(1)))
                    .isInstanceOf(TaskNotSerializableException.class).hasMessageContaining("function");
            assertThat(pool.submit(ctx -> "ok").join()).isEqualTo("ok");
        }
    }

    @Test
    void shouldFailATaskWhoseResultCannotBeSerialized() {
        try (WorkerPool pool = builder(1).build()) {
            CompletableFuture<Object> f = pool.submit(ctx -> new Object());
            assertThatThrownBy(f::join).cause().isInstanceOf(TaskFailedException.class)
                    .hasMessageContaining("TaskNotSerializableException");
        }
    }

    /** A linked list whose Java serialization recurses once per node. */
    record Node(Node next) implements java.io.Serializable {}

    @Test
    void shouldFailATaskWhoseResultOverflowsTheStackWhileEncodingAndKeepTheWorker() throws Exception {
        try (WorkerPool pool = builder(1).build()) {
            long pid = pool.workerPids().getFirst();
            CompletableFuture<Object> f = pool.submit(ctx -> {
                Node head = null;
                for (int i = 0; i < 1_000_000; i++) {
                    head = new Node(head);
                }
                return head;
            });
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                pool.shutdownNow(); // or close() would wait for the lost answer forever
                throw new AssertionError("no answer: the worker's executor died encoding the result", e);
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(TaskFailedException.class)
                        .hasMessageContaining("StackOverflowError");
            }
            assertThat(f).isCompletedExceptionally();
            assertThat(pool.submit(ctx -> "still answering").get(30, TimeUnit.SECONDS)).isEqualTo("still answering");
            assertThat(pool.workerPids()).containsExactly(pid);
        }
    }

    @Test
    void shouldCancelWhatIsLeftWhenCloseTimesOut() {
        WorkerPool pool = builder(1).closeTimeout(Duration.ofMillis(500)).build();
        CompletableFuture<Object> endless = pool.submit(ctx -> {
            Thread.sleep(120_000);
            return null;
        });
        long start = System.nanoTime();
        pool.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(endless).isCancelled();
        assertThat(pool.workerPids()).isEmpty();
    }

    @Test
    void shouldFailTheNextSubmitWhenNoWorkerCanBeStartedAnyMore() throws Exception {
        java.nio.file.Path argFile = java.nio.file.Files.createTempFile("shm4j-worker-", ".args");
        try {
            java.nio.file.Files.writeString(argFile, "-Dshm4j.test.start=ok");
            try (WorkerPool pool = builder(1).classDataSharing(false).jvmOptions(List.of("@" + argFile)).build()) {
                long pid = pool.workerPids().getFirst();
                java.nio.file.Files.writeString(argFile, "-XX:+Shm4jNoSuchFlag"); // replacements cannot start
                Processes.kill9(ProcessHandle.of(pid).orElseThrow());
                Awaits.until("submit reports that no worker can be started", Duration.ofSeconds(60), () -> {
                    try {
                        pool.submit(ctx -> 1);
                        return false;
                    } catch (PoolException e) {
                        assertThat(e).hasMessageContaining("no worker can be started")
                                .hasMessageContaining("workers=0 of 1").hasMessageContaining("Shm4jNoSuchFlag");
                        return true;
                    }
                });
            }
        } finally {
            java.nio.file.Files.deleteIfExists(argFile);
        }
    }
}
