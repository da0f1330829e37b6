package io.shm4j.ray;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.pool.Backend;
import io.shm4j.pool.WorkerPool;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.ray.internal.NodeCache;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Workload A on Ray, side by side in one run (not a test: it asserts only that sums are exact, and
 * runs only with {@code -Dshm4j.ray.bench=true}): the sum of a float64 array
 * {@code a[i] = (i % 1024) * 0.5} of 1.5 GB in 2 tasks, interleaved rounds of
 * <ul>
 *   <li>{@code shm4j-processes}: the processes backend (2 worker JVMs, the array mapped once);</li>
 *   <li>{@code shm4j-ray 1 node}: the Ray backend, both tasks on the driver's node (mapped by name);</li>
 *   <li>{@code shm4j-ray 2 nodes}: one task per node ({@code CPU=2} per call on 2-CPU nodes): the
 *       first run fetches the array into node 2's cache (reported apart), later runs map it;</li>
 *   <li>{@code python ray.put}: Python puts the NumPy array into Ray once, 2 Ray tasks sum it.</li>
 * </ul>
 * Run: {@code ./mvnw -B -q -pl shm4j-ray -am verify -Dtest=RayArraySumBench -Dshm4j.ray.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}; the table goes to {@code target/ray-bench.md}.
 */
class RayArraySumBench {
    private static final int REPS = Integer.getInteger("shm4j.ray.bench.reps", 5);

    @Test
    void workloadA() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("shm4j.ray.bench"), "benchmark: run with -Dshm4j.ray.bench=true");
        System.setProperty("shm4j.ray.test.object-store-bytes", "2500000000");
        long n = Math.round(1.5e9 * Double.parseDouble(System.getProperty("shm4j.ray.bench.factor", "1")) / 8);
        double want = expected(n);
        Map<String, Double> setup = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        LocalRayCluster.head();
        LocalRayCluster.secondNode();
        setup.put("ray head start s", LocalRayCluster.headSeconds);
        setup.put("ray second node start s", LocalRayCluster.secondSeconds);
        Map<String, List<Double>> runs = new LinkedHashMap<>();
        for (String k : List.of("shm4j-processes", "shm4j-ray 1 node", "shm4j-ray 2 nodes", "python ray.put")) {
            runs.put(k, new ArrayList<>());
        }
        try (SharedArray a = SharedArray.fromFunction(ShmOptions.defaults(), DType.FLOAT64, new long[] {n},
                i -> (i[0] % 1024) * 0.5)) {
            t0 = System.nanoTime();
            WorkerPool processes = WorkerPool.builder().backend(Backend.PROCESSES).workers(2).progressBar(false).build();
            setup.put("processes pool start s", since(t0));
            t0 = System.nanoTime();
            WorkerPool one = RayPool.resources(RayPool.nodeIp(RayPool.builder(LocalRayCluster.ADDRESS).workers(2)
                    .progressBar(false), "127.0.0.1"), Map.of("CPU", 1.0, "shm4j-node1", 1.0)).build();
            setup.put("ray connect + pool start s", since(t0));
            WorkerPool two = RayPool.resources(RayPool.nodeIp(RayPool.builder(LocalRayCluster.ADDRESS).workers(2)
                    .progressBar(false), "127.0.0.1"), Map.of("CPU", 2.0)).build();
            Process py = new ProcessBuilder(System.getenv().getOrDefault("SHM4J_RAY_PYTHON", "python3"),
                    Path.of("src/test/python/ray_put_bench.py").toAbsolutePath().toString(), LocalRayCluster.ADDRESS,
                    Long.toString(n)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (processes; one; two; PrintWriter toPy = new PrintWriter(py.getOutputStream(), true, StandardCharsets.UTF_8);
                 BufferedReader fromPy = new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8))) {
                String first = fromPy.readLine();
                setup.put("python ray.init s", json(first, "connect"));
                setup.put("python ray.put 1.5 GB s", json(first, "put"));
                t0 = System.nanoTime();
                check(sum(one, a), want); // warm-up: worker JVMs start, first mapping
                setup.put("ray 1 node warm-up (worker JVMs, first map) s", since(t0));
                t0 = System.nanoTime();
                long[] before = NodeCache.stats(ShmDirectory.of(LocalRayCluster.shmDir(2)));
                check(sum(two, a), want);
                setup.put("ray 2 nodes first run (node 2 fetches 1.5 GB) s", since(t0));
                check(sum(processes, a), want);
                for (int r = 0; r < REPS; r++) {
                    t0 = System.nanoTime();
                    check(sum(processes, a), want);
                    runs.get("shm4j-processes").add(since(t0));
                    t0 = System.nanoTime();
                    check(sum(one, a), want);
                    runs.get("shm4j-ray 1 node").add(since(t0));
                    t0 = System.nanoTime();
                    check(sum(two, a), want);
                    runs.get("shm4j-ray 2 nodes").add(since(t0));
                    toPy.println("run");
                    String line = fromPy.readLine();
                    check(json(line, "sum"), want);
                    runs.get("python ray.put").add(json(line, "seconds"));
                }
                long[] after = NodeCache.stats(ShmDirectory.of(LocalRayCluster.shmDir(2)));
                setup.put("node 2 fetches of the array", (double) (after[0] - before[0]));
                setup.put("node 2 bytes fetched", (double) (after[1] - before[1]));
                toPy.println("stop");
            } finally {
                py.waitFor();
            }
        }
        report(runs, setup);
    }

    private static double sum(WorkerPool pool, SharedArray a) {
        List<double[]> parts = pool.mapRows(a, 2, (chunk, ctx) -> {
            long t = System.nanoTime();
            double s = ctx.array(chunk.ref()).slice(chunk.start(), chunk.end()).sum();
            return new double[] {s, (System.nanoTime() - t) / 1e9, ProcessHandle.current().pid()};
        });
        if (Boolean.getBoolean("shm4j.ray.bench.verbose")) {
            System.out.println(pool.backend() + " " + parts.stream().map(Arrays::toString).toList());
        }
        return parts.stream().mapToDouble(p -> p[0]).sum();
    }

    private static void check(double got, double want) {
        if (got != want) {
            throw new AssertionError("wrong sum: got=" + got + ", want=" + want);
        }
    }

    static double expected(long n) {
        long full = n / 1024;
        long rest = n % 1024;
        return (full * (1023L * 1024 / 2) + rest * (rest - 1) / 2) * 0.5;
    }

    private static double since(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double json(String line, String key) {
        int i = line.indexOf("\"" + key + "\":");
        String rest = line.substring(i + key.length() + 3).trim();
        int end = 0;
        while (end < rest.length() && ",}".indexOf(rest.charAt(end)) < 0) {
            end++;
        }
        return Double.parseDouble(rest.substring(0, end).trim());
    }

    private static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void report(Map<String, List<Double>> runs, Map<String, Double> setup) throws Exception {
        double base = median(runs.get("shm4j-processes"));
        StringBuilder md = new StringBuilder();
        md.append("Workload A (1.5 GB float64 sum, 2 tasks), interleaved, ").append(REPS).append(" runs each; load average ")
                .append(Files.readString(Path.of("/proc/loadavg")).trim()).append("\n\n");
        md.append("| strategy | median s | min s | max s | vs processes |\n|---|---|---|---|---|\n");
        for (var e : runs.entrySet()) {
            double m = median(e.getValue());
            md.append(String.format("| %s | %.3f | %.3f | %.3f | %.2fx |%n", e.getKey(), m,
                    e.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    e.getValue().stream().mapToDouble(Double::doubleValue).max().orElse(0), m / base));
        }
        md.append("\n| set-up (once) | value |\n|---|---|\n");
        setup.forEach((k, v) -> md.append(String.format("| %s | %.3f |%n", k, v)));
        md.append("\nruns: ").append(runs).append('\n');
        System.out.println(md);
        Files.writeString(Path.of("target/ray-bench.md"), md);
    }

    static String describe(double[] xs) {
        return Arrays.toString(xs);
    }
}
