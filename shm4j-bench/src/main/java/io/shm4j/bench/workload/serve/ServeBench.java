package io.shm4j.bench.workload.serve;

import io.shm4j.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Workload E (issue 18): an HTTP top-k nearest-neighbour service of N worker processes on one
 * port ({@code SO_REUSEPORT}) over a float32 embedding matrix ({@code 1 M × 64} at size 1) while
 * a writer publishes a new version every {@code --interval} seconds; Java worker JVMs and Python
 * workers, each sharing the matrix through a dataset ({@code shm}) or holding its own copy loaded
 * from a file at start and on update ({@code copy}, the baseline). Runs are interleaved rep by
 * rep (every configuration once per rep), figures are medians over the reps.
 *
 * <p>Usage: {@code ServeBench [--size F] [--workers N] [--reps N] [--warmup-rounds N] [--seconds S] [--warmup S]
 * [--interval S] [--settle S] [--k K] [--conns C] [--batch B] [--full-checks N] [--no-python] [--no-java] [--inline] [--dir DIR]...}.
 * {@code --warmup-rounds} (default {@value #WARMUP_ROUNDS}): rounds of every configuration run
 * before the reps and left out of the figures, so that this JVM's JIT has compiled the driver's
 * code (load generator, checks, writer, samplers) before anything is measured: compiled during the
 * first reps instead, it took CPU from the workers in the ×N runs only (93 C2 compilations during
 * the first Python ×2 run on the AMD host), while the ×1 runs had an idle core for it.
 * {@code --conns} (default {@value #DEFAULT_CONNS}): keep-alive connections per worker, each a
 * closed loop, the same for every configuration; {@code --batch} (default
 * {@value ServeWorker#DEFAULT_BATCH}): the most queries a worker answers in one pass over the
 * matrix (micro-batching, Java and Python workers alike; 0: a scan per request on its
 * connection's thread).
 * {@code --dir} (repeatable) runs every configuration in each directory, interleaved within each
 * rep: the writer's dataset, the workers' {@code shm4j.dir} / {@code SHM4J_DIR} and the
 * baseline's files all live there (e.g. {@code /dev/shm} and a tmpfs mounted {@code huge=always});
 * default: the shm directory in force.
 */
public final class ServeBench {
    /** Keep-alive connections per worker by default: enough for batches to form. */
    static final int DEFAULT_CONNS = 4;
    /** Unmeasured rounds of every configuration before the reps, by default (see the class comment). */
    static final int WARMUP_ROUNDS = 1;

    /** The options of a run of the benchmark. */
    record Options(double factor, int workers, int reps, ServeRun.Plan plan, boolean python, String pythonExe,
            boolean single, boolean inline, List<Path> dirs, boolean java, int warmupRounds) {
        /** No warm-up round (tests). */
        Options(double factor, int workers, int reps, ServeRun.Plan plan, boolean python, String pythonExe,
                boolean single, boolean inline) {
            this(factor, workers, reps, plan, python, pythonExe, single, inline, List.of(Settings.shmDirectory()), true, 0);
        }
    }

    /** Medians over the reps of one configuration. */
    record Summary(ServeRun.Config config, List<ServeRun.Result> runs) {
        double median(ToDoubleFunction<ServeRun.Result> f) {
            return ServeBench.median(runs.stream().mapToDouble(f).toArray());
        }

        long sum(java.util.function.ToLongFunction<ServeRun.Result> f) {
            return runs.stream().mapToLong(f).sum();
        }
    }

    private ServeBench() {}

    public static void main(String[] args) throws Exception {
        Options o = parse(args);
        List<Summary> s = run(o, System.out);
        boolean ok = s.stream().allMatch(x -> x.sum(r -> r.failed() + r.inconsistent()) == 0
                && x.runs().stream().allMatch(r -> r.problems().isEmpty()));
        System.exit(ok ? 0 : 1);
    }

    /** The options {@code shm4j bench --workload E} runs with: its size factor, workers, reps and Python switch. */
    static Options of(double factor, int workers, int reps, boolean python) {
        return new Options(factor, workers, reps, new ServeRun.Plan(Embeddings.rows(factor), 10, DEFAULT_CONNS, 1.5, 6, 2, 0.75, 2, false,
                ServeWorker.DEFAULT_BATCH),
                python, System.getenv().getOrDefault("SHM4J_PYTHON", "python3"), true, false,
                List.of(Settings.shmDirectory()), true, WARMUP_ROUNDS);
    }

    static Options parse(String[] args) {
        double factor = 0.05;
        int workers = Runtime.getRuntime().availableProcessors();
        int reps = 5;
        int warmupRounds = WARMUP_ROUNDS;
        double seconds = 6;
        double warmup = 1.5;
        double interval = 2;
        double settle = 0.75;
        int k = 10;
        int conns = DEFAULT_CONNS;
        int batch = ServeWorker.DEFAULT_BATCH;
        int fullChecks = 2;
        boolean python = true;
        boolean java = true;
        boolean inline = false;
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size" -> factor = Double.parseDouble(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup-rounds" -> warmupRounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--interval" -> interval = Double.parseDouble(args[++i]);
                case "--settle" -> settle = Double.parseDouble(args[++i]);
                case "--k" -> k = Integer.parseInt(args[++i]);
                case "--conns" -> conns = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--full-checks" -> fullChecks = Integer.parseInt(args[++i]);
                case "--no-python" -> python = false;
                case "--no-java" -> java = false;
                case "--inline" -> inline = true;
                case "--dir" -> dirs.add(Path.of(args[++i]).toAbsolutePath().normalize());
                default -> throw new IllegalArgumentException("unknown argument: " + args[i] + "; usage: [--size F]"
                        + " [--workers N] [--reps N] [--warmup-rounds N] [--seconds S] [--warmup S] [--interval S] [--settle S] [--k K]"
                        + " [--conns C] [--batch B] [--full-checks N] [--no-python] [--no-java] [--inline] [--dir DIR]...");
            }
        }
        if (factor <= 0 || factor > 8 || workers < 1 || workers > 64 || reps < 1 || warmupRounds < 0 || seconds <= 0
                || interval <= 0 || k < 1 || k > 1000 || conns < 1 || batch < 0 || batch > 1024) {
            throw new IllegalArgumentException("out of range: size=" + factor + ", workers=" + workers + ", reps=" + reps
                    + ", warmupRounds=" + warmupRounds
                    + ", seconds=" + seconds + ", interval=" + interval + ", k=" + k + ", conns=" + conns
                    + ", batch=" + batch);
        }
        String exe = System.getenv().getOrDefault("SHM4J_PYTHON", "python3");
        return new Options(factor, workers, reps, new ServeRun.Plan(Embeddings.rows(factor), k, conns, warmup, seconds,
                interval, settle, fullChecks, false, batch), python, exe, true, inline,
                dirs.isEmpty() ? List.of(Settings.shmDirectory()) : List.copyOf(dirs), java, warmupRounds);
    }

    /** The configurations of one rep, in the order they run: every configuration in each directory in turn. */
    static List<ServeRun.Config> configs(Options o, boolean python) {
        List<ServeRun.Config> c = new ArrayList<>();
        for (Path d : o.dirs()) {
            for (ServeRun.Config x : configs(o, python, d)) {
                c.add(x);
            }
        }
        return c;
    }

    private static List<ServeRun.Config> configs(Options o, boolean python, Path dir) {
        List<ServeRun.Config> c = new ArrayList<>();
        List<String> langs = new ArrayList<>();
        if (o.java()) {
            langs.add("java");
        }
        if (python) {
            langs.add("python");
        }
        for (String lang : langs) {
            if (o.workers() > 1 && o.single()) {
                c.add(new ServeRun.Config(lang, "shm", 1, dir));
            }
            c.add(new ServeRun.Config(lang, "shm", o.workers(), dir));
            if (o.inline()) {
                if (o.workers() > 1 && o.single()) {
                    c.add(new ServeRun.Config(lang, "shm-inline", 1, dir));
                }
                c.add(new ServeRun.Config(lang, "shm-inline", o.workers(), dir));
            }
            c.add(new ServeRun.Config(lang, "copy", o.workers(), dir));
        }
        return c;
    }

    /** Runs every configuration {@code reps} times, interleaved; prints the table and the targets. */
    static List<Summary> run(Options o, PrintStream out) throws IOException, InterruptedException {
        return run(o, out, c -> { });
    }

    /** Like {@link #run(Options, PrintStream)}, telling {@code afterRun} each configuration run. */
    static List<Summary> run(Options o, PrintStream out, java.util.function.Consumer<ServeRun.Config> afterRun)
            throws IOException, InterruptedException {
        String[] exe = {o.pythonExe()};
        String why = o.python() ? pythonMissing(exe) : "--no-python";
        boolean python = why == null;
        long rows = o.plan().rows();
        out.printf(Locale.ROOT, "workload E: %d x %d float32 (%.1f MiB), top-%d, %d workers, %d conn(s) per worker, batch %d,"
                + " %.1f s measured after %.1f s warm-up, a version every %.1f s, %d reps interleaved after %d unmeasured"
                + " round(s)%s; load %s%n",
                rows, Embeddings.DIM, matrixMiB(rows), o.plan().k(), o.workers(), o.plan().connsPerWorker(), o.plan().batch(),
                o.plan().seconds(), o.plan().warmupSeconds(), o.plan().intervalSeconds(), o.reps(), o.warmupRounds(),
                python ? "" : " (python skipped: " + why + ")", loadAverage());
        for (Path d : o.dirs()) {
            out.printf(Locale.ROOT, "  directory %s: %s%n", d, mountOf(d));
        }
        String stock = Settings.read(Settings.PAGE_STOCK_PROPERTY, Settings.PAGE_STOCK_ENV);
        out.printf(Locale.ROOT, "  writer's page stock: %s%n", stock == null
                ? "one version (a publish reuses the replaced version's pages; -Dshm4j.pageStock=0 to run without)"
                : "shm4j.pageStock=" + stock);
        List<ServeRun.Config> configs = configs(o, python);
        long warmupBad = 0;
        for (int round = 0; round < o.warmupRounds(); round++) {
            for (ServeRun.Config c : configs) {
                long t0 = System.nanoTime();
                ServeRun.Result r = new ServeRun(c, o.plan(), exe[0]).run();
                afterRun.accept(c);
                warmupBad += r.failed() + r.inconsistent();
                out.printf(Locale.ROOT, "  warm-up %-28s %7.1f req/s  answers %d (bad %d)  driver %.0f%%  (%.1f s; not in"
                        + " the figures)%s%n", c.label(), r.throughput(), r.answers(), r.failed() + r.inconsistent(),
                        r.cpu().driverPct(), (System.nanoTime() - t0) / 1e9, r.problems().isEmpty() ? "" : "  " + r.problems());
                out.flush();
            }
        }
        Map<ServeRun.Config, List<ServeRun.Result>> results = new LinkedHashMap<>();
        for (int rep = 0; rep < o.reps(); rep++) {
            for (ServeRun.Config c : configs) {
                long t0 = System.nanoTime();
                ServeRun.Result r = new ServeRun(c, o.plan(), exe[0]).run();
                double wall = (System.nanoTime() - t0) / 1e9;
                results.computeIfAbsent(c, x -> new ArrayList<>()).add(r);
                afterRun.accept(c);
                ServeRun.Cpu cpu = r.cpu();
                out.printf(Locale.ROOT, "  rep %d %-30s %7.1f req/s  p50 %6.2f ms  p99 steady %6.2f  update %6.2f ms"
                        + "  switched after %6.1f ms  answers %d (bad %d, stale %d)  pss %.1f MiB  cpu: worker %.1f ms/answer,"
                        + " generator %.0f us/answer, writer %.0f ms/publish, samplers %.1f%%; cores: workers %.0f%%,"
                        + " driver %.0f%%, others %.0f%%, idle %.0f%%, steal %.0f%%  (%.1f s, load %s)%s%n",
                        rep + 1, c.label(), r.throughput(), r.p50Ms(), r.p99SteadyMs(), r.p99UpdateMs(), r.switchLagMs(),
                        r.answers(), r.failed() + r.inconsistent(), r.stale(), r.pssMiB(), cpu.workerMsPerAnswer(),
                        cpu.generatorUsPerAnswer(), cpu.writerMsPerPublish(), cpu.samplerPct(), cpu.workersPct(),
                        cpu.driverPct(), cpu.othersPct(), cpu.idlePct(), cpu.stealPct(), wall, loadAverage(),
                        r.problems().isEmpty() ? "" : "  " + r.problems());
                if (!r.publishes().isEmpty()) {
                    ServeRun.Phases ph = r.phases();
                    out.printf(Locale.ROOT, "        update p99 by phase: writing %.2f ms (%d answers), switching %.2f ms (%d),"
                            + " settling %.2f ms (%d)%n", ph.p99WritingMs(), ph.writing(), ph.p99SwitchingMs(),
                            ph.switching(), ph.p99SettlingMs(), ph.settling());
                }
                if (c.mode().startsWith("shm") && !r.publishes().isEmpty()) {
                    out.printf(Locale.ROOT, "        writer: CPU ms per publish %s, wall ms %s, into pages it used before %s%n",
                            r.publishes().stream().map(p -> String.format(Locale.ROOT, "%.0f", p.cpuMs())).toList(),
                            r.publishes().stream().map(p -> String.format(Locale.ROOT, "%.0f", (p.end() - p.start()) / 1e6)).toList(),
                            r.publishes().stream().map(p -> p.reusedPages() ? "y" : "n").toList());
                }
                out.flush();
            }
        }
        List<Summary> summaries = results.entrySet().stream().map(e -> new Summary(e.getKey(), e.getValue())).toList();
        print(o, summaries, warmupBad, out);
        return summaries;
    }

    private static void print(Options o, List<Summary> s, long warmupBad, PrintStream out) {
        double matrix = matrixMiB(o.plan().rows());
        out.printf(Locale.ROOT, "%nworkload E, medians of %d reps (load %s)%n", o.reps(), loadAverage());
        out.printf(Locale.ROOT, "%-30s %9s %8s %10s %10s %8s %8s %9s %9s %10s %9s %6s %8s %8s %8s %8s %6s%n", "config",
                "req/s", "p50 ms", "p99 steady", "p99 update", "upd/std", "lag ms", "bad/all", "pss MiB", "matrix pss",
                "peak pss", "alive", "wkr ms/a", "gen us/a", "wrt ms/p", "others%", "idle%");
        for (Summary x : s) {
            out.printf(Locale.ROOT, "%-30s %9.1f %8.2f %10.2f %10.2f %8.2f %8.1f %9s %9.1f %10s %9.1f %6s %8.1f %8.0f %8.0f"
                    + " %8.0f %6.0f%n",
                    x.config().label(), x.median(ServeRun.Result::throughput), x.median(ServeRun.Result::p50Ms),
                    x.median(ServeRun.Result::p99SteadyMs), x.median(ServeRun.Result::p99UpdateMs),
                    x.median(r -> r.p99UpdateMs() / r.p99SteadyMs()), x.median(ServeRun.Result::switchLagMs),
                    x.sum(r -> r.failed() + r.inconsistent()) + "/" + x.sum(ServeRun.Result::answers),
                    x.median(ServeRun.Result::pssMiB), x.config().mode().startsWith("shm")
                            ? String.format(Locale.ROOT, "%.1f", x.median(ServeRun.Result::matrixPssMiB)) : "-",
                    x.median(ServeRun.Result::peakPssMiB), x.config().mode().startsWith("shm")
                            ? Integer.toString(x.runs().stream().mapToInt(ServeRun.Result::maxVersionsAlive).max().orElse(0))
                            : "-",
                    x.median(r -> r.cpu().workerMsPerAnswer()), x.median(r -> r.cpu().generatorUsPerAnswer()),
                    x.median(r -> r.cpu().writerMsPerPublish()), x.median(r -> r.cpu().othersPct()),
                    x.median(r -> r.cpu().idlePct()));
        }
        out.printf(Locale.ROOT, "%ntargets (issue 18): judged on \"shm\" (a dataset, followed in the background);"
                + " \"shm-inline\" and \"copy\" rows are comparisons (info); load over the runs %s%n", loadRange(s));
        long bad = s.stream().mapToLong(x -> x.sum(r -> r.failed() + r.inconsistent())).sum();
        long all = s.stream().mapToLong(x -> x.sum(ServeRun.Result::answers)).sum();
        out.printf(Locale.ROOT, "  %-6s zero failed or inconsistent answers: %d of %d (warm-up rounds: %d bad)%n",
                bad + warmupBad == 0 ? "met" : "MISSED", bad, all, warmupBad);
        for (Summary x : s) {
            if (x.config().workers() == o.workers()) {
                double ratio = x.median(r -> r.p99UpdateMs() / r.p99SteadyMs());
                out.printf(Locale.ROOT, "  %-6s %s: p99 during updates / steady = %.2fx (target <= 1.5x; %.2f vs %.2f ms;"
                        + " ratio per rep %s)%n", verdict(x.config(), ratio <= 1.5), x.config().label(), ratio,
                        x.median(ServeRun.Result::p99UpdateMs), x.median(ServeRun.Result::p99SteadyMs),
                        fmt(x.runs().stream().mapToDouble(r -> r.p99UpdateMs() / r.p99SteadyMs()).toArray()));
            }
        }
        for (Summary one : s) {
            if (one.config().workers() != 1 || o.workers() == 1) {
                continue;
            }
            ServeRun.Config c = one.config();
            Summary many = find(s, new ServeRun.Config(c.language(), c.mode(), o.workers(), c.dir()));
            if (many == null) {
                continue;
            }
            double[] ratios = new double[Math.min(one.runs().size(), many.runs().size())];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = many.runs().get(i).throughput() / (o.workers() * one.runs().get(i).throughput());
            }
            double ratio = median(ratios);
            out.printf(Locale.ROOT, "  %-6s %s: throughput x%d / (%d x one worker) = %.2f (target >= 0.9; %.1f vs %.1f"
                    + " req/s, ratio per rep %s)%n", verdict(c, ratio >= 0.9), many.config().label(), o.workers(),
                    o.workers(), ratio, many.median(ServeRun.Result::throughput), one.median(ServeRun.Result::throughput),
                    fmt(ratios));
            // where the missing throughput went: a worker's CPU per answer (the scan; the follower's
            // touch) x N against x1, and who else used the cores during the x N runs
            out.printf(Locale.ROOT, "         why: worker CPU per answer %.1f ms (x%d) vs %.1f ms (x1) = %.2fx; during x%d"
                    + " the %d cores went to the workers %.0f%%, this driver %.0f%% (generator %.0f us/answer, writer"
                    + " %.0f ms/publish, samplers %.1f%%), other processes %.0f%%, idle %.0f%%, steal %.0f%% (of one core)%n",
                    many.median(r -> r.cpu().workerMsPerAnswer()), o.workers(), one.median(r -> r.cpu().workerMsPerAnswer()),
                    many.median(r -> r.cpu().workerMsPerAnswer()) / one.median(r -> r.cpu().workerMsPerAnswer()),
                    o.workers(), Runtime.getRuntime().availableProcessors(), many.median(r -> r.cpu().workersPct()),
                    many.median(r -> r.cpu().driverPct()), many.median(r -> r.cpu().generatorUsPerAnswer()),
                    many.median(r -> r.cpu().writerMsPerPublish()), many.median(r -> r.cpu().samplerPct()),
                    many.median(r -> r.cpu().othersPct()), many.median(r -> r.cpu().idlePct()),
                    many.median(r -> r.cpu().stealPct()));
        }
        for (Summary x : s) {
            if (x.config().workers() == o.workers() && x.config().mode().startsWith("shm")) {
                double per = x.median(ServeRun.Result::matrixPssMiB);
                ServeRun.Config c = x.config();
                Summary copy = find(s, new ServeRun.Config(c.language(), "copy", o.workers(), c.dir()));
                double copyPss = copy == null ? Double.NaN : copy.median(ServeRun.Result::pssMiB);
                int alive = x.runs().stream().mapToInt(ServeRun.Result::maxVersionsAlive).max().orElse(0);
                boolean met = per <= matrix / o.workers() * 1.1 + 0.5 && alive <= 2;
                out.printf(Locale.ROOT, "  %-6s %s: matrix pss per worker %.1f MiB = %.2f x matrix/N (%.1f MiB; one copy"
                        + " shared); versions alive at once <= %d (one extra copy during an update); whole worker pss"
                        + " %.1f MiB vs %.1f MiB with a copy per worker (baseline: N copies, 2 per worker while it"
                        + " reloads: peak %.1f MiB)%n", verdict(x.config(), met), x.config().label(), per,
                        per / (matrix / o.workers()), matrix / o.workers(), alive, x.median(ServeRun.Result::pssMiB),
                        copyPss, copy == null ? Double.NaN : copy.median(ServeRun.Result::peakPssMiB));
            }
        }
        out.printf(Locale.ROOT, "  %-6s current() when nothing changed <= 50 ns: not measured here (DatasetCurrentBench)%n",
                "n/a");
        out.flush();
    }

    /** The mount of {@code dir} as /proc/mounts shows it (type and options), for the figures' record. */
    static String mountOf(Path dir) {
        try {
            String best = "?";
            int bestLen = -1;
            Path real = dir.toRealPath();
            for (String l : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = l.split(" ");
                if (f.length > 3 && real.startsWith(f[1]) && f[1].length() > bestLen) {
                    best = f[2] + " " + f[1] + " (" + f[3] + ")";
                    bestLen = f[1].length();
                }
            }
            return best;
        } catch (IOException | RuntimeException e) {
            return "? (" + e + ")";
        }
    }

    private static String verdict(ServeRun.Config c, boolean met) {
        return c.mode().equals("shm") ? (met ? "met" : "MISSED") : "info";
    }

    private static String loadRange(List<Summary> s) {
        double[] loads = s.stream().flatMap(x -> x.runs().stream()).mapToDouble(ServeRun.Result::load1).sorted().toArray();
        return loads.length == 0 ? "?" : String.format(Locale.ROOT, "%.1f-%.1f (1-min averages at each run's end)",
                loads[0], loads[loads.length - 1]);
    }

    private static Summary find(List<Summary> s, ServeRun.Config c) {
        return s.stream().filter(x -> x.config().equals(c)).findFirst().orElse(null);
    }

    static double matrixMiB(long rows) {
        return rows * Embeddings.DIM * 4.0 / (1 << 20);
    }

    static double median(double[] xs) {
        double[] v = Arrays.stream(xs).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String fmt(double[] xs) {
        StringBuilder b = new StringBuilder("[");
        for (double x : xs) {
            b.append(b.length() > 1 ? " " : "").append(String.format(Locale.ROOT, "%.2f", x));
        }
        return b.append(']').toString();
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * Why Python workers cannot run (null when they can); {@code exe[0]} becomes the interpreter's
     * own path ({@code sys.executable}), so workers start without a version manager's shim.
     */
    static String pythonMissing(String[] exe) {
        try {
            Process p = new ProcessBuilder(exe[0], "-c", "import sys, numpy; print(sys.executable)")
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return exe[0] + " did not answer in 60 s";
            }
            if (p.exitValue() != 0) {
                return exe[0] + " has no numpy (" + out + ")";
            }
            String[] lines = out.split("\n");
            String real = lines[lines.length - 1].strip();
            if (!real.isEmpty() && Files.isExecutable(Path.of(real))) {
                exe[0] = real;
            }
            return null;
        } catch (IOException e) {
            return exe[0] + " not found";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
