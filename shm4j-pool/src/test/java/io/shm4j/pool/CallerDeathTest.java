package io.shm4j.pool;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Awaits;
import io.shm4j.testkit.Processes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When the caller dies, even by kill -9, its workers exit and its scoped segments are reclaimed. */
class CallerDeathTest {
    /** The caller: a pool of two workers and a scoped segment, then it waits to be killed. */
    public static final class Caller {
        public static void main(String[] args) throws Exception {
            Segment s = Segment.create(ShmOptions.named(args[0]).asMutable(), 4096);
            WorkerPool pool = WorkerPool.builder().workers(2).progressBar(false).build();
            io.shm4j.segment.SegmentRef ref = s.ref();
            pool.map(i -> TaskContext.current().segment(ref).size(), List.of(1, 2, 3, 4)); // workers map it
            System.out.println("READY " + pool.workerPids().get(0) + " " + pool.workerPids().get(1));
            System.out.flush();
            Thread.sleep(120_000);
        }
    }

    @Test
    void shouldStopWorkersAndReclaimSegmentsWhenTheCallerIsKilled() throws Exception {
        String name = io.shm4j.testkit.TestNames.unique("caller");
        Process caller = Processes.javaBuilder(Caller.class, name).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(caller.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).startsWith("READY ");
            // ProcessIdentity counts a zombie as dead: an orphaned worker that exited waits for
            // pid 1 to reap it, which is not the worker's doing.
            List<ProcessIdentity> workers = Arrays.stream(line.substring(6).split(" "))
                    .map(p -> ProcessIdentity.of(Long.parseLong(p)).orElseThrow()).toList();
            assertThat(ShmDirectory.current().find(name)).isPresent();
            Processes.kill9(caller.toHandle());
            long killed = System.nanoTime();
            Awaits.until("workers exit by themselves", Duration.ofSeconds(2),
                    () -> workers.stream().noneMatch(ProcessIdentity::isAlive));
            System.err.println("workers gone " + (System.nanoTime() - killed) / 1_000_000 + " ms after kill -9 of the caller");
            // No gc of our own: the workers that found their caller dead must have reclaimed it.
            Awaits.until("the workers reclaim the dead caller's scoped segment", Duration.ofSeconds(2)
                    .minusNanos(System.nanoTime() - killed), () -> ShmDirectory.current().find(name).isEmpty());
            long callerPid = caller.pid();
            Awaits.until("the dead caller's socket directory is removed", Duration.ofSeconds(2), () -> {
                try (var dirs = java.nio.file.Files.newDirectoryStream(
                        java.nio.file.Path.of(System.getProperty("java.io.tmpdir")), "shm4j-pool-" + callerPid + "-*")) {
                    return !dirs.iterator().hasNext();
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        } finally {
            caller.destroyForcibly().waitFor();
        }
    }
}
