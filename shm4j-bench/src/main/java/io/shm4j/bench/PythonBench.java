package io.shm4j.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The Python half of the benchmark: runs {@code shm4j-bench/python/bench.py --json} as a child
 * process and turns its JSON lines (schema {@code shm4j.bench.python/1}, see
 * docs/bench-python.md) into {@link Measurement}s, stepping the progress bar on each timed rep
 * it logs. The script is found beside the code ({@code SHM4J_BENCH_PY} overrides); the
 * interpreter is {@code SHM4J_PYTHON} or {@code python3}.
 *
 * <p>Not thread-safe; one run at a time. The child is killed if this JVM exits first.
 */
public final class PythonBench {
    /** Strategies that send the data itself to the workers. */
    private static final Set<String> COPIED = Set.of("pickle", "ray_task");
    private static final Pattern REP = Pattern.compile(".* rep \\d+/\\d+: .*");
    private static final double MIB_PER_MB = 1e6 / (1 << 20);

    private final Path script;
    private final String python;

    private PythonBench(Path script, String python) {
        this.script = script;
        this.python = python;
    }

    /**
     * The Python benchmark, or empty with the reason in {@code why[0]}: no bench.py found, no
     * python3, or no numpy.
     */
    public static Optional<PythonBench> find(String[] why) {
        Optional<Path> script = locateScript();
        if (script.isEmpty()) {
            why[0] = "bench.py not found (set SHM4J_BENCH_PY to shm4j-bench/python/bench.py)";
            return Optional.empty();
        }
        String python = System.getenv().getOrDefault("SHM4J_PYTHON", "python3");
        try {
            Process p = new ProcessBuilder(python, "-c", "import numpy").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                why[0] = python + " did not answer in 60 s";
                return Optional.empty();
            }
            if (p.exitValue() != 0) {
                why[0] = python + " has no numpy (" + lastLine(out) + ")";
                return Optional.empty();
            }
        } catch (IOException e) {
            why[0] = python + " not found (" + e.getMessage() + ")";
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why[0] = "interrupted";
            return Optional.empty();
        }
        return Optional.of(new PythonBench(script.get(), python));
    }

    /** bench.py: {@code SHM4J_BENCH_PY}, else beside the class path entry this class came from, else under the working directory. */
    static Optional<Path> locateScript() {
        String env = System.getenv("SHM4J_BENCH_PY");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env)).filter(Files::isRegularFile);
        }
        List<Path> starts = new ArrayList<>();
        try {
            starts.add(Path.of(PythonBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            // no code source: fall back to the working directory
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path d = start; d != null; d = d.getParent()) {
                Path candidate = d.resolve("shm4j-bench/python/bench.py");
                if (Files.isRegularFile(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    /** The interpreter used. */
    public String python() {
        return python;
    }

    /** How many timed reps bench.py will log for these options (pairs it can run × variants × reps). */
    public int plannedReps(BenchOptions o) {
        try {
            Process p = new ProcessBuilder(python, script.toString(), "--list", "--workers",
                    Integer.toString(o.workers())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            int n = 0;
            for (JsonElement e : JsonParser.parseString(out).getAsJsonObject().getAsJsonArray("pairs")) {
                JsonObject pair = e.getAsJsonObject();
                if (o.workloads().contains(pair.get("workload").getAsString()) && pair.get("available").getAsBoolean()) {
                    n += pair.getAsJsonArray("variants").size() * o.reps();
                }
            }
            return n;
        } catch (IOException | RuntimeException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /**
     * Runs bench.py on the options' workloads and sizes; adds one measurement per result line.
     * Lines about skipped or failed pairs go to {@code notes} (and the console).
     */
    public List<Measurement> run(BenchOptions o, Progress progress, List<String> notes)
            throws IOException, InterruptedException {
        List<String> cmd = List.of(python, script.toString(), "--workload", String.join(",", o.workloads()),
                "--strategy", "all", "--size", SizeFactor.format(o.factor()), "--workers",
                Integer.toString(o.workers()), "--reps", Integer.toString(o.reps()), "--warmup",
                Integer.toString(o.warmup()), "--json");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SHM4J_DIR", io.shm4j.Settings.shmDirectory().toString());
        Process p = pb.start();
        Thread killer = new Thread(p::destroy, "shm4j-bench-python-killer");
        Runtime.getRuntime().addShutdownHook(killer);
        Deque<String> tail = new ArrayDeque<>();
        Thread errReader = Thread.ofPlatform().daemon().name("shm4j-bench-python-stderr").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 40) {
                            tail.removeFirst();
                        }
                    }
                    if (REP.matcher(line).matches()) {
                        progress.step();
                    } else if (line.contains("skipped")) {
                        String note = "python: " + line.replaceFirst("^\\[pybench [0-9:]+\\] ", "");
                        synchronized (notes) {
                            notes.add(note);
                        }
                        progress.say(note);
                    } else if (line.contains("building data")) {
                        progress.message("python " + line.replaceFirst("^\\[pybench [0-9:]+\\] ", "")
                                .replaceFirst(": building data.*", ""));
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        List<Measurement> out = new ArrayList<>();
        try {
            p.getOutputStream().close();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.isBlank()) {
                        continue;
                    }
                    Measurement m = parse(JsonParser.parseString(line).getAsJsonObject());
                    out.add(m);
                    if (!m.ok()) {
                        String note = "python " + m.workload() + "/" + m.strategy() + ": " + m.check();
                        synchronized (notes) {
                            notes.add(note);
                        }
                        progress.say(note);
                    }
                }
            }
            int code = p.waitFor();
            errReader.join(TimeUnit.SECONDS.toMillis(10));
            if (code != 0 && code != 1) {
                String why;
                synchronized (tail) {
                    why = String.join("\n  ", tail);
                }
                String note = "python: bench.py exited with status " + code + "; its last lines:\n  " + why;
                notes.add(note);
                progress.say(note);
            }
        } finally {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(killer);
            } catch (IllegalStateException e) {
                // shutting down already
            }
        }
        return out;
    }

    /** One result line of bench.py as a measurement (MB converted to MiB). */
    static Measurement parse(JsonObject o) {
        Samples s = new Samples();
        JsonArray times = o.has("times_s") && o.get("times_s").isJsonArray() ? o.getAsJsonArray("times_s")
                : new JsonArray();
        for (JsonElement t : times) {
            s.add(t.getAsDouble());
        }
        Map<String, Double> setup = new LinkedHashMap<>();
        if (o.has("setup") && o.get("setup").isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("setup").entrySet()) {
                if (e.getKey().endsWith("_s") && e.getValue().isJsonPrimitive()
                        && e.getValue().getAsJsonPrimitive().isNumber()) {
                    setup.put(e.getKey(), e.getValue().getAsDouble());
                }
            }
        }
        Map<String, Double> memory = new LinkedHashMap<>();
        if (o.has("memory") && o.get("memory").isJsonObject()) {
            JsonObject m = o.getAsJsonObject("memory");
            for (String k : List.of("anon", "rss", "pss")) {
                mib(m, "worker_added_" + k + "_mb").ifPresent(v -> memory.put(k + "_added", v));
            }
            for (String k : List.of("anon", "rss", "pss")) {
                mib(m, "worker_" + k + "_mb").ifPresent(v -> memory.put(k, v));
            }
        }
        String check;
        if (o.has("error") && !o.get("error").isJsonNull()) {
            check = "error: " + o.get("error").getAsString();
        } else {
            JsonObject c = o.getAsJsonObject("check");
            check = c != null && c.get("ok").getAsBoolean() ? "ok"
                    : "wrong: " + (c == null ? "no check" : "got=" + c.get("got") + ", expected=" + c.get("expected"));
        }
        String strategy = o.get("strategy").getAsString();
        return new Measurement(o.get("workload").getAsString(), "python", strategy,
                o.has("variant") ? o.get("variant").getAsString() : "", s, setup, memory, check,
                COPIED.contains(strategy) ? "copied" : "shared");
    }

    private static Optional<Double> mib(JsonObject m, String key) {
        JsonElement e = m.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            return Optional.empty();
        }
        return Optional.of(Math.round(e.getAsDouble() * MIB_PER_MB * 10) / 10.0);
    }

    private static String lastLine(String s) {
        int i = s.lastIndexOf('\n');
        return i < 0 ? s : s.substring(i + 1);
    }
}
