package io.shm4j.bench.workload.serve;

import io.shm4j.Settings;
import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.bench.WorkerMemory;
import io.shm4j.dataset.Dataset;
import io.shm4j.dataset.DatasetLayout;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One run of workload E: starts {@code workers} worker processes of one language and mode on
 * one port, drives them with a closed-loop load generator ({@code connsPerWorker} keep-alive
 * connections per worker, balanced: a connection the kernel gave to a worker that already has
 * its share is closed and opened again) for a warm-up and then the measured time, while a
 * writer publishes a new version every {@code interval}; samples the workers' memory; stops
 * everything; then checks every answer against the version it claims.
 *
 * <p>The writer's versions are computed before the load starts (a publish is the update
 * mechanism itself: a copy into a new dataset version, or a new {@code .npy} file and its
 * pointer), so the generator's CPU time is not mistaken for the update's.
 *
 * <p>Not thread-safe; one run at a time. Leaves nothing behind: the dataset is scoped and
 * closed, the baseline's directory removed, the workers' stdin closed (they exit) and waited
 * for, killed if they do not exit in 10 s.
 */
final class ServeRun {
    /**
     * How often the workers' Pss is sampled during a run. Reading a worker's
     * {@code /proc/PID/smaps_rollup} costs this process 9–19 ms of CPU on the AMD host (the kernel
     * walks the worker's page tables of the 244 MiB matrix, under its mmap lock): sampled every
     * 500 ms, that was 3.3–4.9 % of a core, which in the ×N runs comes out of the workers' cores
     * and in the ×1 runs out of an idle one. Every second keeps the harness's share under 2 % and
     * still catches a baseline reload (0.8–2.7 s) at its peak.
     */
    static final long SAMPLE_NANOS = 1_000_000_000L;
    /** How often the versions each worker maps are counted ({@code /proc/PID/maps}, 0.3 ms a worker); a switch lasts 0.1–0.7 s. */
    static final long ALIVE_SAMPLE_NANOS = 100_000_000L;

    /**
     * What one run is: language ({@code java}, {@code python}), mode ({@code shm}, {@code copy}),
     * workers, and the shm directory every process of the run uses (the writer's dataset, the
     * workers' {@code shm4j.dir} / {@code SHM4J_DIR}, the baseline's {@code .npy} files).
     */
    record Config(String language, String mode, int workers, Path dir) {
        Config(String language, String mode, int workers) {
            this(language, mode, workers, Settings.shmDirectory());
        }

        Config {
            dir = dir.toAbsolutePath().normalize();
        }

        /** The same run in another directory. */
        Config in(Path other) {
            return new Config(language, mode, workers, other);
        }

        String label() {
            String base = language + " " + mode + " x" + workers;
            return dir.equals(Settings.DEFAULT_DIR) ? base : base + " " + dir.getFileName();
        }
    }

    /** How long and how hard. */
    record Plan(long rows, int k, int connsPerWorker, double warmupSeconds, double seconds, double intervalSeconds,
            double settleSeconds, int fullChecks, boolean quickStart, int batch) {}

    /** {@code SHM4J_SERVE_TRACE} set: print each publish's span for the workers' pass traces (ServeWorker.PassTrace). */
    private static final boolean TRACE = System.getenv("SHM4J_SERVE_TRACE") != null
            && !System.getenv("SHM4J_SERVE_TRACE").isBlank();

    /** One answered (or failed) request. */
    record Answer(long start, long end, int query, int status, String body, String error) {}

    /**
     * A publish of the writer: the version it made, its wall-clock span, its CPU, and whether the
     * new version's file is one whose pages this run's writer used before (its page stock).
     */
    record Publish(long version, long start, long end, double cpuMs, boolean reusedPages) {}

    /** What a run measured. */
    record Result(Config config, long answers, double throughput, double p50Ms, double p99SteadyMs,
            double p99UpdateMs, long updateAnswers, long failed, long inconsistent, long stale, long fullChecked,
            int versionsSeen, int workersAnswering, double pssMiB, double matrixPssMiB, double peakPssMiB,
            int maxVersionsAlive, double switchLagMs, double driverCpuPct, double load1, Cpu cpu, List<String> problems,
            List<Publish> publishes, Phases phases) {}

    /**
     * The answers of the update windows by when they were sent, relative to the latest update they
     * overlap: before the writer's publish ended (an answer sent a little before the publish
     * began but still running when it began counts here), before every worker had answered from
     * the new version (the followers' map and touch; each follower also unmaps the old version
     * early in this phase, once its worker's readers let go of it), or after that, within the
     * settle time: each phase's answer count and p99 (ms), to tell which part of an update slows
     * requests.
     */
    record Phases(long writing, double p99WritingMs, long switching, double p99SwitchingMs, long settling,
            double p99SettlingMs) {}

    /**
     * Where the CPU time of the measured window went (from /proc and the driver's thread CPU
     * clocks): the workers' CPU per answer (requests, and the follower or reload threads), the
     * load generator's CPU per answer (its client threads), the writer's CPU per publish, the
     * driver's samplers, and the machine's two cores split into this run's processes, everyone
     * else's, idle and steal (all in % of one core).
     */
    record Cpu(double workerMsPerAnswer, double generatorUsPerAnswer, double writerMsPerPublish, double samplerPct,
            double driverPct, double workersPct, double othersPct, double idlePct, double stealPct) {
        static final Cpu NONE = new Cpu(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN);
    }

    private final Config config;
    private final Plan plan;
    private final String python;

    ServeRun(Config config, Plan plan, String python) {
        this.config = config;
        this.plan = plan;
        this.python = python;
    }

    Result run() throws IOException, InterruptedException {
        String name = "shm4j-serve-" + Long.toHexString(new SplittableRandom().nextLong() >>> 16);
        long rows = plan.rows();
        int updates = (int) Math.floor((plan.seconds() - plan.intervalSeconds() / 2) / plan.intervalSeconds()) + 1;
        List<float[]> versions = new ArrayList<>();
        for (int v = 1; v <= updates + 1; v++) {
            versions.add(Embeddings.matrix(v, rows));
        }
        warmForKernel(versions, rows);
        boolean stock = config.mode().startsWith("shm") && writerPageStockOn(rows);
        Set<Object> writerFiles = new HashSet<>(); // inodes of the files this run's writer wrote
        Dataset<SharedArray> dataset = null;
        Path dir = null;
        List<Process> procs = new ArrayList<>();
        Path log = Files.createTempFile("shm4j-serve-", ".log");
        try {
            String source;
            if (config.mode().startsWith("shm")) {
                dataset = Dataset.createArrays(ShmOptions.named(name).in(ShmDirectory.of(config.dir())));
                Dataset<SharedArray> ds = dataset;
                ds.publish(o -> SharedArray.copyOf(o, DType.FLOAT32, new long[] {rows, Embeddings.DIM}, versions.get(0)));
                writerFiles.add(inode(config.dir().resolve(DatasetLayout.versionName(name, 1))));
                if (stock) {
                    primeWriterStock(name, versions.get(0), rows, writerFiles);
                }
                source = name;
            } else {
                // the baseline's files live in the same directory as the dataset's versions, so
                // both read their pages from the same kind of tmpfs (4 KiB or huge pages)
                dir = Files.createTempDirectory(config.dir(), "shm4j-serve-copy-");
                Embeddings.writeNpy(dir.resolve("v1.npy"), versions.get(0), rows);
                writePointer(dir, 1);
                source = dir.resolve("current").toString();
            }
            int port = freePort();
            List<Long> pids = new ArrayList<>();
            for (int i = 0; i < config.workers(); i++) {
                procs.add(start(port, source, log));
            }
            for (Process p : procs) {
                pids.add(awaitReady(p, log));
            }
            return drive(port, pids, dataset, dir, versions, name, writerFiles);
        } finally {
            for (Process p : procs) {
                try {
                    p.getOutputStream().close();
                } catch (IOException e) {
                    // already gone
                }
            }
            for (Process p : procs) {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            }
            if (dataset != null) {
                dataset.close();
            }
            if (stock) {
                ShmDirectory.of(config.dir()).releasePageStock();
                System.clearProperty(Settings.PAGE_STOCK_PROPERTY);
            }
            if (dir != null) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(dir);
            }
            Files.deleteIfExists(log);
        }
    }

    /**
     * Turns the writer's page stock on for a dataset run, unless {@code shm4j.pageStock} /
     * {@code SHM4J_PAGE_STOCK} is set (give {@code -Dshm4j.pageStock=0} to run without): room for
     * one version — the one extra copy an update may need —, so each publish writes into the
     * pages of the version replaced by the publish before, once no worker maps it, instead of
     * taking fresh tmpfs pages (on this project's VM freed memory goes back to the host, and fresh
     * pages cost a publish 0.2-1.2 s of CPU; see docs/dataset.md). Called after
     * {@link #warmForKernel}, whose scratch arrays must not go into the stock. Returns whether it
     * turned the stock on (the run turns it off at its end).
     */
    private static boolean writerPageStockOn(long rows) {
        if (Settings.read(Settings.PAGE_STOCK_PROPERTY, Settings.PAGE_STOCK_ENV) != null
                || rows * Embeddings.DIM * Float.BYTES < (1 << 20)) {
            return false; // set by the user; or versions too small for the stock (it keeps files of 1 MiB and more)
        }
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, Long.toString(rows * Embeddings.DIM * Float.BYTES + (1 << 20)));
        return true;
    }

    /**
     * Puts one version's worth of pages into the writer's page stock after the first publish and
     * before the workers start, as a writer that has published twice has them: a persistent
     * array of the matrix's size, moved into the stock by name with the writer's kept mapping, as
     * a dataset's replaced versions are. Without it the run's first publish would take fresh pages
     * (or, without the mapping, write with pwrite and set up its page tables) and measure a
     * writer's start-up rather than its steady state (docs/dataset.md).
     */
    private void primeWriterStock(String name, float[] matrix, long rows, Set<Object> writerFiles) throws IOException {
        ShmDirectory d = ShmDirectory.of(config.dir());
        String n = name + "-stock";
        d.keepMappingOnPublish(n);
        try (SharedArray a = SharedArray.copyOf(ShmOptions.named(n).persistent().in(d), DType.FLOAT32,
                new long[] {rows, Embeddings.DIM}, matrix)) {
            writerFiles.add(inode(a.path()));
        }
        if (!d.moveToPageStock(n)) {
            d.remove(n);
            throw new IllegalStateException("page stock refused a primed file: segment=" + n
                    + ", shm4j.pageStock=" + System.getProperty(Settings.PAGE_STOCK_PROPERTY));
        }
    }

    private static Object inode(Path file) throws IOException {
        return Files.getAttribute(file, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Has the kernel read every version's Java array once, before the load: on the VM this is
     * measured on (a PVM guest), the kernel's first read of a fresh Java array's pages (the
     * {@code pwrite} of {@code SharedArray.copyOf}) costs about 10 µs per 4 KiB page, 0.6-0.8 s of
     * CPU for 244 MiB, once per array; later reads of the same array cost 80-90 ms (25 ms on a
     * {@code huge=always} tmpfs). Each version is published once, so without this every publish
     * paid it, and the baseline's writer (a copy through a small reused buffer) never did. A
     * scoped scratch array in the run's directory, removed at once.
     */
    private void warmForKernel(List<float[]> versions, long rows) {
        ShmOptions scratch = ShmOptions.defaults().in(ShmDirectory.of(config.dir()));
        for (float[] m : versions) {
            try (SharedArray a = SharedArray.copyOf(scratch, DType.FLOAT32, new long[] {rows, Embeddings.DIM}, m)) {
                a.shape(); // closed at once: the copy was the point
            }
        }
    }

    private Result drive(int port, List<Long> pids, Dataset<SharedArray> dataset, Path dir, List<float[]> versions,
            String name, Set<Object> writerFiles) throws IOException, InterruptedException {
        int nQueries = 256;
        float[][] queries = new float[nQueries][];
        for (int i = 0; i < nQueries; i++) {
            queries[i] = Embeddings.query(i);
        }
        List<Socket> sockets = balancedConnections(port, pids, queries[0]);
        long t0 = System.nanoTime();
        long measureFrom = t0 + (long) (plan.warmupSeconds() * 1e9);
        long measureTo = measureFrom + (long) (plan.seconds() * 1e9);
        List<List<Answer>> perClient = new ArrayList<>();
        List<Thread> clients = new ArrayList<>();
        long[] clientCpu = new long[sockets.size()]; // each client's thread CPU ns over the measured time
        for (int c = 0; c < sockets.size(); c++) {
            List<Answer> mine = new ArrayList<>();
            perClient.add(mine);
            Socket s = sockets.get(c);
            long seed = c;
            int slot = c;
            clients.add(Thread.ofPlatform().name("serve-client-" + c).start(
                    () -> client(s, queries, seed, measureFrom, measureTo, mine, clientCpu, slot)));
        }
        // the writer and the memory sampler run on this thread
        List<Publish> publishes = new ArrayList<>();
        Map<Long, Double> peakPss = new HashMap<>();
        int maxAlive = 0;
        long nextPublish = measureFrom + (long) (plan.intervalSeconds() / 2 * 1e9);
        long published = 1;
        long nextSample = measureFrom;
        long nextAliveSample = measureFrom;
        long cpuFrom = -1;
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long writerCpu = 0;
        long samplerCpu = 0;
        long[] workersFrom = null;
        long[] machineFrom = null;
        while (System.nanoTime() < measureTo) {
            long now = System.nanoTime();
            if (cpuFrom < 0 && now >= measureFrom) {
                cpuFrom = ownCpuTicks();
                workersFrom = cpuTicks(pids);
                machineFrom = machineTicks();
            }
            if (now >= nextPublish && published < versions.size()) {
                float[] m = versions.get((int) published);
                long cpu0 = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                boolean reused = false;
                long[] makerCpu = new long[1]; // the publish's copy runs on the dataset's writer thread
                if (dataset != null) {
                    long k = dataset.publish(o -> {
                        long c0 = threads.getCurrentThreadCpuTime();
                        try {
                            return SharedArray.copyOf(o, DType.FLOAT32, new long[] {plan.rows(), Embeddings.DIM}, m);
                        } finally {
                            makerCpu[0] = threads.getCurrentThreadCpuTime() - c0;
                        }
                    });
                    reused = !writerFiles.add(inode(config.dir().resolve(DatasetLayout.versionName(name, k))));
                } else {
                    Embeddings.writeNpy(dir.resolve("v" + (published + 1) + ".npy"), m, plan.rows());
                    writePointer(dir, published + 1);
                    if (published >= 2) {
                        Files.deleteIfExists(dir.resolve("v" + (published - 1) + ".npy"));
                    }
                }
                published++;
                long cpu = threads.getCurrentThreadCpuTime() - cpu0 + makerCpu[0];
                publishes.add(new Publish(published, start, System.nanoTime(), cpu / 1e6, reused));
                if (TRACE) {
                    // the workers' pass traces' clock (ServeWorker.PassTrace): version, start, end
                    System.err.printf("TRACE publish %d %d %d%n", published, start, publishes.getLast().end());
                }
                writerCpu += cpu;
                nextPublish += (long) (plan.intervalSeconds() * 1e9);
            }
            long sample0 = threads.getCurrentThreadCpuTime();
            if (now >= measureFrom && now >= nextSample) {
                // smaps_rollup walks a worker's page tables under its mmap lock: see SAMPLE_NANOS
                for (long pid : pids) {
                    WorkerMemory w = WorkerMemory.of(pid);
                    peakPss.merge(pid, w.pss(), Math::max);
                }
                nextSample = now + SAMPLE_NANOS;
            }
            if (now >= measureFrom && dataset != null && now >= nextAliveSample) {
                maxAlive = Math.max(maxAlive, versionsAlive(config.dir(), name, pids)); // /proc/PID/maps: cheap
                nextAliveSample = now + ALIVE_SAMPLE_NANOS;
            }
            if (now >= measureFrom) {
                samplerCpu += threads.getCurrentThreadCpuTime() - sample0;
            }
            Thread.sleep(50); // the writer's clock
        }
        // this process's CPU over the measured time: load generator, writer, samplers (not the workers)
        long[] workersTo = cpuTicks(pids);
        long[] machineTo = machineTicks();
        long window = System.nanoTime() - measureFrom;
        double driverCpuPct = cpuFrom < 0 ? Double.NaN : (ownCpuTicks() - cpuFrom) * 1e9 / CLOCK_TICKS / window * 100;
        for (Thread t : clients) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
        long generatorCpu = 0;
        for (long c : clientCpu) {
            generatorCpu += c;
        }
        double workersTicks = 0;
        if (workersFrom != null) {
            for (int i = 0; i < pids.size(); i++) {
                workersTicks += workersTo[i] - workersFrom[i];
            }
        }
        CpuWindow cw = new CpuWindow(window, workersTicks, driverCpuPct, machineFrom, machineTo, generatorCpu,
                writerCpu, Math.max(1, publishes.size()), samplerCpu);
        // more requests per connection (not counted) until each answers from the last version,
        // and the workers' mappings of older versions are gone (a follower unmaps them a poll
        // later), so the memory figures are the steady state, not who lagged
        long last = published;
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (Socket s : sockets) {
            try {
                while (System.nanoTime() < deadline) {
                    Http.writeRequest(s.getOutputStream(), queries[0], plan.k());
                    Http.Response r = Http.readResponse(new BufferedInputStream(s.getInputStream(), 1));
                    if (r.status() != 200 || Long.parseLong(r.body().split(" ", 2)[0]) >= last) {
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // counted as failed by its client already
            }
        }
        if (dataset != null) {
            while (System.nanoTime() < deadline && versionsMapped(name, pids) > 1) {
                Thread.sleep(5); // polling /proc for the workers' unmapping, bounded by the deadline
            }
        }
        double pss = 0;
        double matrixPss = 0;
        for (long pid : pids) {
            pss = Math.max(pss, WorkerMemory.of(pid).pss());
            if (dataset != null) {
                matrixPss = Math.max(matrixPss, mappedPssMiB(pid, name + "@v"));
            }
        }
        for (Socket s : sockets) {
            s.close();
        }
        List<Answer> all = new ArrayList<>();
        perClient.forEach(all::addAll);
        return evaluate(all, publishes, measureFrom, measureTo, queries, pids, pss, matrixPss,
                peakPss.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN), maxAlive,
                driverCpuPct, cw);
    }

    /** The raw CPU figures of a measured window, turned into a {@link Cpu} once the answers are counted. */
    private record CpuWindow(long nanos, double workersTicks, double driverPct, long[] machineFrom, long[] machineTo,
            long generatorNanos, long writerNanos, int publishes, long samplerNanos) {
        Cpu of(long answers) {
            double core = nanos / 100.0; // ns of one core per 1 %
            double workersPct = workersTicks * 1e9 / CLOCK_TICKS / core;
            double idle = Double.NaN;
            double steal = Double.NaN;
            double busy = Double.NaN;
            if (machineFrom != null && machineTo != null) {
                double total = 0;
                double[] d = new double[machineTo.length];
                for (int i = 0; i < d.length; i++) {
                    d[i] = machineTo[i] - machineFrom[i];
                    total += d[i];
                }
                int cores = Runtime.getRuntime().availableProcessors();
                // fields: user nice system idle iowait irq softirq steal
                idle = (d[3] + d[4]) / total * 100 * cores;
                steal = d.length > 7 ? d[7] / total * 100 * cores : 0;
                busy = 100 * cores - idle - steal;
            }
            return new Cpu(workersTicks * 1e9 / CLOCK_TICKS / 1e6 / Math.max(1, answers),
                    generatorNanos / 1e3 / Math.max(1, answers), writerNanos / 1e6 / publishes, samplerNanos / core,
                    driverPct, workersPct, busy - workersPct - driverPct, idle, steal);
        }
    }

    /** Each process's user + system CPU time in clock ticks (-1 for one gone). */
    static long[] cpuTicks(List<Long> pids) {
        long[] t = new long[pids.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = cpuTicks(Path.of("/proc", Long.toString(pids.get(i)), "stat"));
        }
        return t;
    }

    /** The machine's CPU time so far, per state, from the {@code cpu} line of /proc/stat (null if unreadable). */
    static long[] machineTicks() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/stat"))) {
            String cpu = lines.filter(l -> l.startsWith("cpu ")).findFirst().orElse(null);
            if (cpu == null) {
                return null;
            }
            String[] f = cpu.trim().split("\\s+");
            long[] t = new long[Math.min(8, f.length - 1)];
            for (int i = 0; i < t.length; i++) {
                t[i] = Long.parseLong(f[i + 1]);
            }
            return t;
        } catch (IOException | UncheckedIOException | NumberFormatException e) {
            return null;
        }
    }

    private void client(Socket s, float[][] queries, long seed, long from, long until, List<Answer> out, long[] cpu,
            int slot) {
        SplittableRandom rnd = new SplittableRandom(seed);
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuFrom = -1;
        try {
            InputStream in = new BufferedInputStream(s.getInputStream(), 4096);
            OutputStream o = new BufferedOutputStream(s.getOutputStream(), 4096);
            while (true) {
                long start = System.nanoTime();
                if (cpuFrom < 0 && start >= from) {
                    cpuFrom = threads.getCurrentThreadCpuTime();
                }
                if (start >= until) {
                    cpu[slot] = cpuFrom < 0 ? 0 : threads.getCurrentThreadCpuTime() - cpuFrom;
                    return;
                }
                int q = rnd.nextInt(queries.length);
                try {
                    Http.writeRequest(o, queries[q], plan.k());
                    Http.Response r = Http.readResponse(in);
                    out.add(new Answer(start, System.nanoTime(), q, r.status(), r.body(), null));
                } catch (IOException e) {
                    out.add(new Answer(start, System.nanoTime(), q, 0, "", e.toString()));
                    return;
                }
            }
        } catch (IOException e) {
            out.add(new Answer(System.nanoTime(), System.nanoTime(), -1, 0, "", e.toString()));
        }
    }

    /** {@code connsPerWorker} connections to every worker, each answered once (the first answer tells whose it is). */
    private List<Socket> balancedConnections(int port, List<Long> pids, float[] query) throws IOException {
        Map<Long, Integer> have = new HashMap<>();
        List<Socket> kept = new ArrayList<>();
        int want = plan.connsPerWorker() * pids.size();
        for (int attempt = 0; kept.size() < want; attempt++) {
            if (attempt > 50 * want) {
                for (Socket s : kept) {
                    s.close();
                }
                throw new IOException("could not balance connections over the workers: have=" + have + ", want="
                        + plan.connsPerWorker() + " each");
            }
            Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
            s.setTcpNoDelay(true);
            Http.writeRequest(s.getOutputStream(), query, plan.k());
            Http.Response r = Http.readResponse(new BufferedInputStream(s.getInputStream(), 1)); // unbuffered: nothing read past it
            long pid = r.status() == 200 ? Long.parseLong(r.body().split(" ")[1]) : -1;
            if (pid > 0 && have.getOrDefault(pid, 0) < plan.connsPerWorker()) {
                have.merge(pid, 1, Integer::sum);
                kept.add(s);
            } else {
                s.close();
            }
        }
        return kept;
    }

    private Result evaluate(List<Answer> all, List<Publish> publishes, long from, long to, float[][] queries,
            List<Long> pids, double pss, double matrixPss, double peakPss, int maxAlive, double driverCpuPct,
            CpuWindow cpu) {
        List<String> problems = new ArrayList<>();
        List<Long> steady = new ArrayList<>();
        List<Long> update = new ArrayList<>();
        List<Long> writing = new ArrayList<>();
        List<Long> switching = new ArrayList<>();
        List<Long> settling = new ArrayList<>();
        long failed = 0;
        long inconsistent = 0;
        long stale = 0;
        long answers = 0;
        long fullChecked = 0;
        long settle = (long) (plan.settleSeconds() * 1e9);
        Set<Long> versionsSeen = new HashSet<>();
        Set<Long> answering = new HashSet<>();
        Map<Long, Integer> fullPerVersion = new HashMap<>();
        Map<String, int[]> exact = new HashMap<>();
        long maxVersion = publishes.isEmpty() ? 1 : publishes.get(publishes.size() - 1).version();
        // An update lasts from the publish's start until every worker answered from the new
        // version (or the publish's end, if later), plus the settle time.
        long[] windowEnd = new long[publishes.size()];
        long[] switchedAt = new long[publishes.size()];
        double[] lags = new double[publishes.size()];
        for (int i = 0; i < publishes.size(); i++) {
            Publish p = publishes.get(i);
            long switched = p.end();
            for (long pid : pids) {
                long first = Long.MAX_VALUE;
                for (Answer a : all) {
                    long[] vp = versionAndPid(a);
                    if (vp != null && vp[1] == pid && vp[0] >= p.version() && a.end() >= p.start()) {
                        first = Math.min(first, a.end());
                    }
                }
                switched = Math.max(switched, first == Long.MAX_VALUE ? to : first);
            }
            switchedAt[i] = switched;
            windowEnd[i] = switched + settle;
            lags[i] = (switched - p.start()) / 1e6;
        }
        for (Answer a : all) {
            if (a.end() < from || a.start() >= to) {
                continue;
            }
            if (a.error() != null || a.status() != 200) {
                failed++;
                note(problems, "failed: " + (a.error() != null ? a.error() : "status " + a.status() + " " + a.body().strip()));
                continue;
            }
            answers++;
            String[] f = a.body().strip().split(" ");
            long v;
            long pid;
            int[] idx = new int[plan.k()];
            float[] sc = new float[plan.k()];
            try {
                if (f.length != 2 + 2 * plan.k()) {
                    throw new IllegalArgumentException("expected " + plan.k() + " neighbours, got " + (f.length - 2) / 2);
                }
                v = Long.parseLong(f[0]);
                pid = Long.parseLong(f[1]);
                for (int i = 0; i < plan.k(); i++) {
                    idx[i] = Integer.parseInt(f[2 + 2 * i]);
                    sc[i] = Float.parseFloat(f[3 + 2 * i]);
                }
            } catch (RuntimeException e) {
                inconsistent++;
                note(problems, "unreadable answer: " + e.getMessage() + ": " + a.body().strip());
                continue;
            }
            answering.add(pid);
            versionsSeen.add(v);
            String why = checkAnswer(v, maxVersion, idx, sc, queries[a.query()]);
            if (why == null && fullPerVersion.getOrDefault(v, 0) < plan.fullChecks()) {
                fullPerVersion.merge(v, 1, Integer::sum);
                fullChecked++;
                int[] want = exact.computeIfAbsent(v + "/" + a.query(),
                        key -> Embeddings.exactTopK(v, plan.rows(), queries[a.query()], plan.k(), new float[plan.k()]));
                float[] wantScores = new float[plan.k()];
                for (int i = 0; i < plan.k(); i++) {
                    wantScores[i] = (float) Embeddings.score(v, want[i], queries[a.query()]);
                }
                float kth = wantScores[plan.k() - 1];
                for (int i = 0; i < plan.k() && why == null; i++) {
                    if (sc[i] < kth - tolerance(kth)) {
                        why = "not among the top " + plan.k() + " of version " + v + ": row " + idx[i] + " score " + sc[i]
                                + " < " + kth;
                    }
                }
            }
            if (why != null) {
                inconsistent++;
                note(problems, "inconsistent answer: " + why);
                continue;
            }
            long newestAtSend = 1;
            for (Publish p : publishes) {
                if (p.end() <= a.start()) {
                    newestAtSend = p.version();
                }
            }
            if (v < newestAtSend) {
                stale++;
            }
            long latency = a.end() - a.start();
            boolean duringUpdate = false;
            for (int i = publishes.size() - 1; i >= 0; i--) { // the latest update it overlaps, if windows overlap
                Publish p = publishes.get(i);
                if (a.end() >= p.start() && a.start() <= windowEnd[i]) {
                    duringUpdate = true;
                    (a.start() <= p.end() ? writing : a.start() <= switchedAt[i] ? switching : settling).add(latency);
                    break;
                }
            }
            (duringUpdate ? update : steady).add(latency);
        }
        for (long pid : pids) {
            if (!answering.contains(pid)) {
                note(problems, "worker " + pid + " answered nothing");
            }
        }
        double secs = (to - from) / 1e9;
        return new Result(config, answers, answers / secs, percentileMs(concat(steady, update), 0.50),
                percentileMs(steady, 0.99), percentileMs(update, 0.99), update.size(), failed, inconsistent, stale,
                fullChecked, versionsSeen.size(), answering.size(), pss, matrixPss, peakPss, maxAlive,
                ServeBench.median(lags), driverCpuPct, load1(), cpu.of(answers), problems, List.copyOf(publishes),
                new Phases(writing.size(), percentileMs(writing, 0.99), switching.size(), percentileMs(switching, 0.99),
                        settling.size(), percentileMs(settling, 0.99)));
    }

    /** The 1-minute load average now (NaN if unreadable). */
    static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Clock ticks per second of /proc/PID/stat's times (USER_HZ: 100 on every Linux port that matters). */
    private static final double CLOCK_TICKS = 100;

    /** This process's user + system CPU time in clock ticks, from /proc/self/stat (-1 if unreadable). */
    static long ownCpuTicks() {
        return cpuTicks(Path.of("/proc/self/stat"));
    }

    /** A process's user + system CPU time in clock ticks from its /proc stat file (-1 if unreadable). */
    static long cpuTicks(Path stat) {
        try {
            String st = Files.readString(stat, StandardCharsets.US_ASCII);
            String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The version and pid an answer names, or null if it is not a readable 200. */
    private static long[] versionAndPid(Answer a) {
        if (a.error() != null || a.status() != 200) {
            return null;
        }
        String b = a.body();
        int s1 = b.indexOf(' ');
        int s2 = s1 < 0 ? -1 : b.indexOf(' ', s1 + 1);
        if (s2 < 0) {
            return null;
        }
        try {
            return new long[] {Long.parseLong(b, 0, s1, 10), Long.parseLong(b, s1 + 1, s2, 10)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Why an answer does not come from exactly version {@code v} (null if it does, as far as its rows show). */
    static String checkAnswer(long v, long maxVersion, int[] idx, float[] sc, float[] q) {
        if (v < 1 || v > maxVersion) {
            return "version " + v + " was never published (newest " + maxVersion + ")";
        }
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < idx.length; i++) {
            if (!seen.add(idx[i])) {
                return "row " + idx[i] + " twice";
            }
            if (i > 0 && sc[i] > sc[i - 1]) {
                return "scores not in descending order";
            }
            double want = Embeddings.score(v, idx[i], q);
            if (Math.abs(sc[i] - want) > tolerance(want)) {
                return "row " + idx[i] + " scores " + sc[i] + " but " + want + " in version " + v;
            }
        }
        return null;
    }

    /** Float32 dot products of 64 terms in [-1, 1) summed in different orders (Java, BLAS) differ by a few ulps of the terms. */
    private static double tolerance(double s) {
        return 1e-4 + 1e-5 * Math.abs(s);
    }

    private static List<Long> concat(List<Long> a, List<Long> b) {
        List<Long> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static double percentileMs(List<Long> nanos, double p) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        int i = (int) Math.min(s.size() - 1, Math.max(0, Math.ceil(p * s.size()) - 1));
        return s.get(i) / 1e6;
    }

    private static void note(List<String> problems, String what) {
        if (problems.size() < 10) {
            problems.add(what);
        }
    }

    // ------------------------------------------------------------------ processes and files

    private Process start(int port, String source, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (config.language().equals("java")) {
            String java = ProcessHandle.current().info().command().orElse("java");
            cmd.addAll(List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"));
            if (plan.quickStart()) {
                // tests: start fast, never mind the peak speed (and the scalar kernel: the Vector
                // API is slow without C2; ServeTest checks both kernels in-process)
                cmd.add("-XX:TieredStopAtLevel=1");
            } else {
                cmd.add("--add-modules=jdk.incubator.vector"); // the batched kernel's SIMD (Embeddings.BATCH)
            }
            String nice = System.getProperty(io.shm4j.dataset.Follower.NICE_PROPERTY);
            if (nice != null) {
                cmd.add("-D" + io.shm4j.dataset.Follower.NICE_PROPERTY + "=" + nice); // the follower's touch priority
            }
            cmd.addAll(List.of(
                    "-Xmx" + Math.max(64, plan.rows() * Embeddings.DIM * 4 * 3 / (1 << 20) + 64) + "m",
                    "-Dshm4j.dir=" + config.dir(), "-cp", System.getProperty("java.class.path"),
                    ServeWorker.class.getName()));
        } else {
            cmd.addAll(List.of(python, serveScript().toString()));
        }
        cmd.addAll(List.of(config.mode(), Integer.toString(port), source, Integer.toString(plan.batch())));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SHM4J_DIR", config.dir().toString());
        String nice = System.getProperty(io.shm4j.dataset.Follower.NICE_PROPERTY);
        if (nice != null) {
            pb.environment().put("SHM4J_FOLLOWER_NICE", nice); // the Python follower's touch priority
        }
        for (String v : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")) {
            pb.environment().put(v, "1"); // one thread per worker process, as web servers run numpy
        }
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return pb.start();
    }

    private static long awaitReady(Process p, Path log) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine(); // blocks until ready or exit (the worker closes stdout by exiting)
        if (line == null || !line.startsWith("ready ")) {
            p.destroyForcibly();
            throw new IOException("worker did not start: pid=" + p.pid() + ", said=" + line + ", stderr="
                    + tail(log) + "; run it by hand to see why");
        }
        return Long.parseLong(line.split(" ")[1]);
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "?";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void writePointer(Path dir, long version) throws IOException {
        Path tmp = dir.resolve("current.tmp");
        Files.writeString(tmp, version + " " + dir.resolve("v" + version + ".npy") + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("current"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Versions of the dataset that hold memory now (distinct files by inode): named in the shm
     * directory (the current version, one being staged or linked), or still mapped by a worker
     * after their name went.
     */
    private static int versionsAlive(Path shmDir, String name, List<Long> pids) {
        Set<Long> alive = new HashSet<>();
        try (Stream<Path> files = Files.list(shmDir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith(name + "@")).toList()) {
                try {
                    alive.add(((Number) Files.getAttribute(p, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                            .longValue());
                } catch (IOException e) {
                    // removed meanwhile
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // sampled again in 50 ms
        }
        for (long pid : pids) {
            try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "maps"))) {
                lines.filter(l -> l.contains("/" + name + "@")).forEach(l -> alive.add(Long.parseLong(l.trim().split("\\s+")[4])));
            } catch (IOException | UncheckedIOException | NumberFormatException e) {
                // gone
            }
        }
        return alive.size();
    }

    /** Distinct versions of the dataset the workers map now (by inode). */
    private static int versionsMapped(String name, List<Long> pids) {
        Set<Long> mapped = new HashSet<>();
        for (long pid : pids) {
            try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "maps"))) {
                lines.filter(l -> l.contains("/" + name + "@")).forEach(l -> mapped.add(Long.parseLong(l.trim().split("\\s+")[4])));
            } catch (IOException | UncheckedIOException | NumberFormatException e) {
                // gone
            }
        }
        return mapped.size();
    }

    /** The Pss (MiB) of a process's mappings whose path contains {@code marker}, from /proc/PID/smaps. */
    static double mappedPssMiB(long pid, String marker) {
        long kb = 0;
        boolean in = false;
        try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "smaps"))) {
            for (String l : (Iterable<String>) lines::iterator) {
                if (!l.isEmpty() && Character.isLetterOrDigit(l.charAt(0)) && l.indexOf('-') > 0
                        && l.indexOf('-') < l.indexOf(' ') && !l.contains(":  ")) {
                    in = l.contains(marker);
                } else if (in && l.startsWith("Pss:")) {
                    kb += Long.parseLong(l.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | UncheckedIOException | NumberFormatException e) {
            return Double.NaN;
        }
        return kb / 1024.0;
    }

    /** The Python worker: {@code SHM4J_SERVE_PY}, else {@code shm4j-bench/python/pybench/serve.py} above the class path entry or the working directory. */
    static Path serveScript() throws IOException {
        String env = System.getenv("SHM4J_SERVE_PY");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        List<Path> starts = new ArrayList<>();
        try {
            starts.add(Path.of(ServeRun.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            // no code source
        }
        starts.add(Path.of("").toAbsolutePath());
        for (Path start : starts) {
            for (Path d = start; d != null; d = d.getParent()) {
                Path c = d.resolve("shm4j-bench/python/pybench/serve.py");
                if (Files.isRegularFile(c)) {
                    return c;
                }
            }
        }
        throw new IOException("serve.py not found: set SHM4J_SERVE_PY to shm4j-bench/python/pybench/serve.py");
    }
}
