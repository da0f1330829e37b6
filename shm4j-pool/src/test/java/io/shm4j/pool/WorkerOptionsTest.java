package io.shm4j.pool;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.testkit.Processes;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Workers start with the caller's JVM options, minus those a second JVM must not repeat. */
class WorkerOptionsTest {
    /** A caller that prints its worker's JVM options and heap limit. */
    public static final class Caller {
        public static void main(String[] args) throws Exception {
            WorkerPool.Builder b = WorkerPool.builder().workers(1).progressBar(false).classDataSharing(false);
            if (args.length > 0) {
                b.workerHeap(args[0]).jvmOptions(List.of("-Dshm4j.test.extra=1"));
            }
            try (WorkerPool pool = b.build()) {
                String out = pool.submit(ctx -> String.join("\n", ManagementFactory.getRuntimeMXBean().getInputArguments())
                        + "\nMAX " + Runtime.getRuntime().maxMemory()).get();
                System.out.println(out);
            }
        }
    }

    /** A caller without jdk.incubator.vector whose worker writes a line to its stderr. */
    public static final class StderrCaller {
        public static void main(String[] args) throws Exception {
            try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false).classDataSharing(false).build()) {
                String out = pool.submit(ctx -> {
                    System.err.println("shm4j-test: a line from the worker");
                    System.err.flush();
                    return String.join("\n", ManagementFactory.getRuntimeMXBean().getInputArguments());
                }).get();
                System.out.println(out);
            }
        }
    }

    @Test
    void shouldDropTheIncubatorWarningOfTheModuleThePoolAddedAndPassOnTheRest() {
        Processes.Result r = Processes.run(Processes.javaBuilder(StderrCaller.class), Duration.ofSeconds(60)).assertOk();
        assertThat(r.stdout().lines()).as("the pool gave the worker the Vector API").contains("--add-modules=jdk.incubator.vector");
        assertThat(r.stderr()).contains("shm4j-test: a line from the worker").doesNotContain("Using incubator modules");
    }

    private static List<String> workerOptions(String... callerArgs) {
        ProcessBuilder pb = Processes.javaBuilder(Caller.class, callerArgs);
        List<String> cmd = new ArrayList<>(pb.command());
        cmd.addAll(cmd.indexOf("-cp"), List.of("-Xmx300m", "-XX:MaxDirectMemorySize=77m", "-Dshm4j.test.inherited=yes",
                "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0"));
        pb.command(cmd);
        Processes.Result r = Processes.run(pb, Duration.ofSeconds(60));
        r.assertOk();
        return r.stdout().lines().toList();
    }

    @Test
    void shouldStartWorkersWithTheCallersJvmOptionsButNoDebugAgent() {
        List<String> worker = workerOptions();
        assertThat(worker).contains("-Xmx300m", "-XX:MaxDirectMemorySize=77m", "-Dshm4j.test.inherited=yes",
                "-XX:TieredStopAtLevel=1");
        assertThat(worker).noneMatch(o -> o.contains("jdwp"));
        long max = Long.parseLong(worker.getLast().substring(4));
        assertThat(max).isLessThanOrEqualTo(300L << 20);
    }

    @Test
    void shouldLetWorkerHeapAndJvmOptionsOverrideTheCallers() {
        List<String> worker = workerOptions("100m");
        assertThat(worker).contains("-Xmx100m", "-Dshm4j.test.extra=1", "-XX:MaxDirectMemorySize=77m")
                .doesNotContain("-Xmx300m");
        long max = Long.parseLong(worker.getLast().substring(4));
        assertThat(max).isLessThanOrEqualTo(100L << 20);
    }
}
