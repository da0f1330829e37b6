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
    private static final int WARMUP = Integer.getInteger("shm4j.ray.bench.warmup", 3);

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
        Map<String, List<Double>> tasks = TIMED_TASKS;
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
                // Warm-up rounds, interleaved as the timed ones and reported apart: the worker JVMs of
                // both backends JIT-compile the sum and settle (their first rounds are seconds).
                Map<String, List<Double>> warm = new LinkedHashMap<>();
                Map<String, List<Double>> warmTasks = new LinkedHashMap<>();
                runs.keySet().forEach(k -> warm.put(k, new ArrayList<>()));
                for (int r = 0; r < WARMUP; r++) {
                    timed("shm4j-processes", processes, a, want, warm, warmTasks);
                    timed("shm4j-ray 1 node", one, a, want, warm, warmTasks);
                    timed("shm4j-ray 2 nodes", two, a, want, warm, warmTasks);
                    toPy.println("run");
                    String line = fromPy.readLine();
                    check(json(line, "sum"), want);
                    warm.get("python ray.put").add(json(line, "seconds"));
                }
                warm.forEach((k, v) -> {
                    if (!v.isEmpty()) {
                        setup.put("warm-up rounds " + k + " s: " + v.stream().map(x -> String.format("%.3f", x))
                                .toList(), v.stream().mapToDouble(Double::doubleValue).sum());
                    }
                });
                for (int r = 0; r < REPS; r++) {
                    timed("shm4j-processes", processes, a, want, runs, tasks);
                    timed("shm4j-ray 1 node", one, a, want, runs, tasks);
                    timed("shm4j-ray 2 nodes", two, a, want, runs, tasks);
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
        report(runs, tasks, setup);
    }

    /** The slowest task's own time (mapping + sum) of the last {@link #sum}, and the worker pids seen per pool. */
    private static double lastTaskSeconds;
    /** The nodes the tasks of the last {@link #sum} ran on, e.g. "1+2". */
    private static String lastNodes = "";
    private static final Map<String, List<String>> PLACEMENT = new LinkedHashMap<>();
    private static final Map<WorkerPool, java.util.Set<Long>> PIDS = new java.util.IdentityHashMap<>();
    private static final Map<String, Double> NICE = new java.util.TreeMap<>();
    private static final Map<String, List<Double>> TIMED_TASKS = new LinkedHashMap<>();

    private static double sum(WorkerPool pool, SharedArray a) {
        List<double[]> parts = pool.mapRows(a, 2, (chunk, ctx) -> {
            long t = System.nanoTime();
            double s = ctx.array(chunk.ref()).slice(chunk.start(), chunk.end()).sum();
            String stat = Files.readString(Path.of("/proc/self/stat"));
            double nice = Double.parseDouble(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]); // field 19
            String dir = System.getenv("SHM4J_DIR");
            double node = dir == null ? 0 : Double.parseDouble(dir.substring(dir.lastIndexOf("node") + 4));
            return new double[] {s, (System.nanoTime() - t) / 1e9, ProcessHandle.current().pid(), nice, node};
        });
        if (Boolean.getBoolean("shm4j.ray.bench.verbose")) {
            System.out.println(pool.backend() + " " + parts.stream().map(Arrays::toString).toList());
        }
        lastTaskSeconds = parts.stream().mapToDouble(p -> p[1]).max().orElse(0);
        lastNodes = parts.stream().mapToInt(p -> (int) p[4]).sorted().mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining("+"));
        parts.forEach(p -> PIDS.computeIfAbsent(pool, k -> new java.util.TreeSet<>()).add((long) p[2]));
        parts.forEach(p -> NICE.put(pool.backend().name(), p[3]));
        return parts.stream().mapToDouble(p -> p[0]).sum();
    }

    /** Times {@code sum} of {@code pool} into {@code runs} and its slowest task's time into {@code tasks}. */
    private static void timed(String key, WorkerPool pool, SharedArray a, double want, Map<String, List<Double>> runs,
            Map<String, List<Double>> tasks) {
        long t0 = System.nanoTime();
        check(sum(pool, a), want);
        runs.get(key).add(since(t0));
        tasks.computeIfAbsent(key, k -> new ArrayList<>()).add(lastTaskSeconds);
        if (tasks == TIMED_TASKS) {
            PLACEMENT.computeIfAbsent(key, k -> new ArrayList<>()).add(lastNodes);
        }
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

    private static void report(Map<String, List<Double>> runs, Map<String, List<Double>> tasks,
            Map<String, Double> setup) throws Exception {
        double base = median(runs.get("shm4j-processes"));
        StringBuilder md = new StringBuilder();
        md.append("Workload A (1.5 GB float64 sum, 2 tasks), interleaved, ").append(REPS).append(" runs each; load average ")
                .append(Files.readString(Path.of("/proc/loadavg")).trim()).append("\n\n");
        md.append("| strategy | median s | min s | max s | vs processes | paired (median of per-round ratios) | in-task median s | round trip median s | vs 1 node (paired) |\n|---|---|---|---|---|---|---|---|---|\n");
        for (var e : runs.entrySet()) {
            double m = median(e.getValue());
            List<Double> t = tasks.get(e.getKey());
            List<Double> paired = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++) {
                paired.add(e.getValue().get(i) / runs.get("shm4j-processes").get(i));
            }
            List<Double> trip = new ArrayList<>();
            List<Double> vsOne = new ArrayList<>();
            for (int i = 0; i < e.getValue().size(); i++) {
                if (t != null) {
                    trip.add(e.getValue().get(i) - t.get(i));
                }
                vsOne.add(e.getValue().get(i) / runs.get("shm4j-ray 1 node").get(i));
            }
            md.append(String.format("| %s | %.3f | %.3f | %.3f | %.2fx | %.2fx | %s | %s | %.2fx |%n", e.getKey(), m,
                    e.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    e.getValue().stream().mapToDouble(Double::doubleValue).max().orElse(0), m / base, median(paired),
                    t == null ? "" : String.format("%.3f", median(t)),
                    trip.isEmpty() ? "" : String.format("%.4f", median(trip)), median(vsOne)));
        }
        md.append("\nin-task: the slowest task's own time (mapping + sum), the rest is the round trip.\n");
        md.append("nodes the tasks ran on, per timed round: ").append(PLACEMENT).append('\n');
        md.append("worker pids per pool: ").append(PIDS.values()).append("; workers' nice value per backend: ")
                .append(NICE).append('\n');
        md.append("\n| set-up (once) | value |\n|---|---|\n");
        setup.forEach((k, v) -> md.append(String.format("| %s | %.3f |%n", k, v)));
        md.append("\nruns: ").append(runs).append("\ntasks: ").append(tasks).append('\n');
        System.out.println(md);
        Files.writeString(Path.of("target/ray-bench.md"), md);
        // The same rows in the columns of `shm4j bench`'s results.csv (docs/bench-results), so that
        // "shm4j on Ray" sits next to Python's ray_put rows.
        StringBuilder csv = new StringBuilder("workload,language,strategy,variant,family,median_s,min_s,max_s,runs,"
                + "ratio,pool_start_s,data_s,put_s,ray_init_s,check\n");
        Map<String, String[]> names = Map.of(
                "shm4j-processes", new String[] {"java", "shm4j-processes", "tasks=2"},
                "shm4j-ray 1 node", new String[] {"java", "shm4j-ray", "tasks=2, one node"},
                "shm4j-ray 2 nodes", new String[] {"java", "shm4j-ray", "tasks=2, two nodes (after the fetch)"},
                "python ray.put", new String[] {"python", "ray_put", "tasks=2"});
        for (var e : runs.entrySet()) {
            String[] n = names.get(e.getKey());
            double m = median(e.getValue());
            boolean ray = e.getKey().startsWith("shm4j-ray");
            csv.append(String.format(java.util.Locale.ROOT, "A,%s,%s,\"%s\",shared,%.6f,%.6f,%.6f,%d,%.6f,%s,,%s,%s,ok%n",
                    n[0], n[1], n[2], m, e.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    e.getValue().stream().mapToDouble(Double::doubleValue).max().orElse(0), e.getValue().size(),
                    m / base, e.getKey().equals("shm4j-processes") ? fmt(setup.get("processes pool start s"))
                            : ray ? fmt(setup.get("ray connect + pool start s")) : "",
                    e.getKey().startsWith("python") ? fmt(setup.get("python ray.put 1.5 GB s")) : "",
                    e.getKey().startsWith("python") ? fmt(setup.get("python ray.init s")) : ""));
        }
        Files.writeString(Path.of("target/ray-bench.csv"), csv);
    }

    private static String fmt(Double v) {
        return v == null ? "" : String.format(java.util.Locale.ROOT, "%.6f", v);
    }

    static String describe(double[] xs) {
        return Arrays.toString(xs);
    }
}
