package io.shm4j.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs a benchmark in a JVM fit for measuring. The {@code shm4j} launcher tunes its JVM for
 * start-up ({@code -XX:TieredStopAtLevel=1}: no optimising compiler; {@code -XX:+UseSerialGC});
 * the in-process strategies (threads over heap arrays, sequential, serialization on the caller's
 * side) would be measured with C1-compiled code. So {@code shm4j bench} and {@code shm4j demo}
 * run themselves again in a child JVM with the default compilers and a heap sized for the
 * workload, with the same class path, arguments and {@code shm4j.*} properties; its output
 * goes straight to this process's terminal.
 */
public final class Relaunch {
    /** Set in the child's environment so it does not relaunch itself again. */
    static final String FORKED_ENV = "SHM4J_BENCH_FORKED";

    private Relaunch() {}

    /** Whether this JVM runs with flags that distort measurements (and is not already the child). */
    public static boolean needed() {
        if (System.getenv(FORKED_ENV) != null) {
            return false;
        }
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:TieredStopAtLevel=") && !arg.endsWith("=4")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code io.shm4j.cli.Main args} in a child JVM with {@code heapBytes} of heap; waits for it.
     *
     * @return its exit status
     */
    public static int run(List<String> args, long heapBytes) throws java.io.IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--add-modules=jdk.incubator.vector"); // SIMD reductions
        cmd.add(String.format(Locale.ROOT, "-Xmx%dm", Math.max(512, heapBytes >> 20)));
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("shm4j.")) {
                cmd.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.shm4j.cli.Main");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(FORKED_ENV, "1");
        Process p = pb.start();
        Thread killer = new Thread(p::destroy, "shm4j-bench-child-killer");
        Runtime.getRuntime().addShutdownHook(killer);
        try {
            return p.waitFor();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException e) {
                // shutting down
            }
        }
    }

    /**
     * Heap for a benchmark run at {@code factor}: A holds a 1.5 GB × factor heap array plus, in
     * serialization with 2 tasks, two 750 MB slices and the pool's frames of them (each built in
     * a growing byte array, about 1.8 GB at its peak); B's copying strategies hold 50 results of
     * 40 MB × factor. At most 70 % of the available memory.
     */
    public static long benchHeap(double factor) {
        long want = (long) (7.5e9 * factor) + (768L << 20);
        return Math.min(want, (long) (SizeFactor.availableMemoryBytes() * 0.7));
    }
}
