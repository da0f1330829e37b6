package io.shm4j.ray.internal;

import io.shm4j.pool.internal.PoolConfig;
import io.shm4j.ray.RayUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * This JVM's connection to a Ray cluster (one Ray job, as Ray's Java API allows one per
 * process), shared by every Ray pool of the JVM and kept until the JVM exits: worker JVMs are
 * started once per job, so pools after the first start warm.
 *
 * <p>All Ray calls run on one thread, {@code shm4j-ray}: it submits the pools' calls while they
 * have free slots, waits for the answers ({@code Ray.wait}) and hands them back to their pools,
 * and runs the commands other threads queue ({@link #onRay}).
 *
 * <p>Thread-safe. The connection ends with the JVM (Ray's job ends when its driver exits, and the
 * cluster stops the job's workers).
 */
final class RayConnection {
    private static final Path RAY_TMP = Path.of("/tmp/ray"); // where Ray's Java driver unpacks its library
    private static RayConnection current;

    /** What waits for a Ray task's answer: a pool's call, or a chunk of a result on its way back. */
    interface InFlight {
        /** The task's answer, on the Ray thread. */
        void answered(byte[] answer);

        /** The task failed in Ray (worker or node lost, past retries), on the Ray thread. */
        void failed(Throwable error);

        /**
         * The nodes that could run the task are lost: dead in the GCS's node table, and no node
         * alive has the resources the task asks. Ray would keep it pending until such a node
         * joins; the connection has dropped its ref. On the Ray thread.
         */
        default void lost(List<RayApi.Node> nodes) {
            failed(new io.shm4j.pool.PoolException("the Ray node that could run the task is lost: nodes=" + nodes
                    + "; check `ray status`"));
        }

        /** No answer by its deadline ({@link #submit}); the connection has dropped its ref. On the Ray thread. */
        default void overdue(long waitedMillis) {
            failed(new io.shm4j.pool.PoolException("no answer from Ray: waitedMillis=" + waitedMillis
                    + "; check `ray status`"));
        }
    }

    /** A pool's call in flight. */
    record CallInFlight(RayDriverPool pool, RayDriverPool.Call call) implements InFlight {
        @Override
        public void answered(byte[] answer) {
            pool.answered(call, answer);
        }

        @Override
        public void failed(Throwable error) {
            pool.failed(call, error);
        }

        @Override
        public void lost(List<RayApi.Node> nodes) {
            pool.lost(call, nodes);
        }

        @Override
        public void overdue(long waitedMillis) {
            pool.overdue(call, waitedMillis);
        }
    }

    /** A task in flight: who waits for it, the resources it asks, when it went out, its deadline (0: none). */
    private record Waiting(InFlight then, Map<String, Double> resources, long submittedNanos, long deadlineNanos) {}

    /** How often the node table is read while tasks are in flight (and at most, for placement decisions). */
    private static final long NODES_NANOS = 1_000_000_000L;

    final String address;
    final String nodeKey;
    final Path rayJar;
    volatile String nodeAddress = "";
    private final BlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final List<RayDriverPool> pools = new CopyOnWriteArrayList<>();
    private final Map<Object, Waiting> inFlight = new HashMap<>();
    private List<RayApi.Node> nodes = List.of(); // the GCS's node table, on the Ray thread
    private long nodesAt;
    private boolean nodesRead;
    private final Map<String, Map<String, Double>> seen = new HashMap<>(); // node id -> resources when seen alive
    private long watchedAt = System.nanoTime();
    final RayApi ray;
    private final Thread thread;

    private RayConnection(String address, Path rayJar, RayApi ray) {
        this.address = address;
        this.ray = ray;
        this.rayJar = rayJar;
        this.nodeKey = RayEntry.nodeKey();
        this.thread = new Thread(this::loop, "shm4j-ray");
        this.thread.setDaemon(true);
    }

    /**
     * The JVM's connection, made now if there is none: checks the installed Ray, this JVM's Ray
     * jar and the cluster's reachability first, then connects with the worker JVM options of
     * {@code config} (the first pool's; later pools share them).
     */
    static synchronized RayConnection connect(PoolConfig config, String explicitAddress, String nodeIp) {
        String address = RaySetup.address(explicitAddress);
        if (current != null && current.address.equals(address)) {
            return current;
        }
        RaySetup.checkReachable(address, 5000);
        if (current != null) {
            throw new RayUnavailableException("this JVM is connected to another Ray cluster: connected="
                    + current.address + ", asked=" + address + "; Ray's Java API allows one cluster per process");
        }
        RaySetup.InstalledRay ray = RaySetup.installed(RaySetup.python());
        Path jar = RaySetup.checkDriverJar(ray, RayConnection.class.getClassLoader());
        RayConnection c = new RayConnection(address, jar, RayApi.bind(RayConnection.class.getClassLoader()));
        List<String> jvm = new ArrayList<>(RaySetup.inheritedJvmOptions());
        if (config.workerHeap() != null) {
            jvm.add("-Xmx" + config.workerHeap());
        }
        jvm.addAll(config.jvmOptions());
        System.setProperty("ray.address", address);
        System.setProperty("ray.job.code-search-path", RaySetup.codeSearchPath(jar));
        for (int i = 0; i < jvm.size(); i++) {
            System.setProperty("ray.job.jvm-options." + i, jvm.get(i));
        }
        if (nodeIp != null) {
            System.setProperty("ray.node-ip", nodeIp);
        }
        c.thread.start();
        boolean rayTmpExisted = Files.exists(RAY_TMP, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        CompletableFuture<Void> init = c.onRay(() -> {
            c.ray.init();
            removeUnpackedLibrary(rayTmpExisted);
            c.nodeAddress = nodeIp != null ? nodeIp : c.ray.nodeAddress();
            return null;
        });
        try {
            init.get(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new RayUnavailableException("connecting to the Ray cluster timed out: address=" + address
                    + ", startTimeout=" + config.startTimeout() + "; check `ray status` on the head node", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new RayUnavailableException("cannot connect to the Ray cluster: address=" + address + ", jar=" + jar
                    + ", error=" + e.getCause() + "; check `ray status` and that the cluster runs Ray "
                    + ray.version(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RayUnavailableException("interrupted while connecting to Ray: address=" + address, e);
        }
        current = c;
        return c;
    }

    /**
     * Removes {@code /tmp/ray/<dir>/<lib>}, its {@code file_lock} and {@code <dir>} relative to
     * descriptors: {@code /tmp/ray} is world-writable, so nothing here follows a link, and a
     * directory not owned by this user is left alone.
     */
    private static void removeUnder(Path dir, Path lib) throws java.io.IOException {
        if (Files.isSymbolicLink(RAY_TMP)) {
            return;
        }
        try (java.nio.file.DirectoryStream<Path> top = Files.newDirectoryStream(RAY_TMP)) {
            if (!(top instanceof java.nio.file.SecureDirectoryStream<Path> tmp)) {
                return; // no descriptor-relative operations here: leave the 41 MB file
            }
            try (java.nio.file.SecureDirectoryStream<Path> d = tmp.newDirectoryStream(dir,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                java.nio.file.attribute.UserPrincipal owner = d
                        .getFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class).readAttributes().owner();
                if (!owner.getName().equals(System.getProperty("user.name"))) {
                    return;
                }
                for (Path name : List.of(lib, Path.of("file_lock"))) {
                    try {
                        d.deleteFile(name);
                    } catch (java.nio.file.NoSuchFileException e) {
                        // already gone
                    }
                }
            }
            tmp.deleteDirectory(dir); // fails (kept) unless empty
        }
    }

    /**
     * Ray's Java driver unpacks its 41 MB native library into {@code /tmp/ray/<millis>/} and
     * leaves it there; once loaded, the file is not needed (the mapping stays), so remove it, and
     * {@code /tmp/ray} too if the driver made it and left it empty.
     */
    private static void removeUnpackedLibrary(boolean rayTmpExisted) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int at = line.indexOf("/tmp/ray/");
                if (at >= 0 && line.endsWith("/libcore_worker_library_java.so")) {
                    Path lib = Path.of(line.substring(at));
                    Path dir = lib.getParent();
                    if (dir.getFileName().toString().matches("[0-9]+") && RAY_TMP.equals(dir.getParent())) {
                        removeUnder(dir.getFileName(), lib.getFileName());
                        if (!rayTmpExisted && Files.isDirectory(RAY_TMP, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                            Files.deleteIfExists(RAY_TMP); // rmdir: fails (kept) unless empty
                        }
                    }
                    return;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // a leftover in /tmp/ray, not a failure
        }
    }

    /** Runs {@code action} on the Ray thread. */
    <T> CompletableFuture<T> onRay(Supplier<T> action) {
        CompletableFuture<T> f = new CompletableFuture<>();
        commands.add(() -> {
            try {
                f.complete(action.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** Whether the caller runs on the Ray thread (where futures complete). */
    boolean onRayThread() {
        return Thread.currentThread() == thread;
    }

    /** Makes the Ray thread look at the pools' backlogs now. */
    void wake() {
        commands.add(() -> { });
    }

    void attach(RayDriverPool pool) {
        pools.add(pool);
    }

    void detach(RayDriverPool pool) {
        pools.remove(pool);
    }

    /**
     * Submits a call asking {@code resources}; on the Ray thread. Past {@code deadlineNanos}
     * ({@link System#nanoTime}; 0: none) without an answer, the call is {@linkplain InFlight#overdue overdue}.
     */
    void submit(RayDriverPool pool, RayDriverPool.Call call, byte[] header, Object fn, byte[] payload,
            Map<String, Double> resources, long deadlineNanos) {
        Object ref = ray.submit(new Object[] {header, fn, payload}, resources);
        inFlight.put(ref, new Waiting(new CallInFlight(pool, call), resources, System.nanoTime(), deadlineNanos));
    }

    /** Submits {@code RayEntry.chunk(request)} on the node {@code nodeAddress}; on the Ray thread. */
    void submitChunk(byte[] request, String nodeAddress, InFlight then) {
        Map<String, Double> resources = Map.of("node:" + nodeAddress, 0.001, "CPU", 0.0);
        Object ref = ray.submitChunk(request, resources);
        inFlight.put(ref, new Waiting(then, resources, System.nanoTime(), 0));
    }

    /** The GCS's node table, read again if older than a second; on the Ray thread. */
    List<RayApi.Node> nodes() {
        if (!nodesRead || System.nanoTime() - nodesAt >= NODES_NANOS) {
            readNodes();
        }
        return nodes;
    }

    private void readNodes() {
        try {
            List<RayApi.Node> now = new ArrayList<>();
            for (RayApi.Node n : ray.nodes()) {
                if (n.alive()) {
                    seen.put(n.id(), n.resources());
                    now.add(n);
                } else { // the table has no resources for a dead node: what it had when seen alive
                    Map<String, Double> had = new HashMap<>(seen.getOrDefault(n.id(), Map.of()));
                    had.putIfAbsent("node:" + n.address(), 1.0);
                    now.add(new RayApi.Node(n.id(), n.address(), false, Map.copyOf(had)));
                }
            }
            nodes = now;
        } catch (RuntimeException e) {
            // keep the last table: the next read tries again
        }
        nodesAt = System.nanoTime();
        nodesRead = true;
    }

    /**
     * The lost nodes that could give {@code resources}: empty while a node alive has them, or
     * when no node ever had them (Ray keeps such a task waiting for one to join, e.g. from an
     * autoscaler). On the Ray thread.
     */
    List<RayApi.Node> lostFor(Map<String, Double> resources) {
        return lostFor(resources, nodes());
    }

    /** {@link #lostFor(Map)} by the node table as last read (no GCS call); on the Ray thread. */
    List<RayApi.Node> lostByLastTable(Map<String, Double> resources) {
        return lostFor(resources, nodes);
    }

    private static List<RayApi.Node> lostFor(Map<String, Double> resources, List<RayApi.Node> table) {
        List<RayApi.Node> dead = new ArrayList<>();
        for (RayApi.Node n : table) {
            if (n.has(resources)) {
                if (n.alive()) {
                    return List.of();
                }
                dead.add(n);
            }
        }
        return dead;
    }

    /** The dead nodes that had {@code resources}; on the Ray thread. */
    List<RayApi.Node> deadWith(Map<String, Double> resources) {
        return nodes().stream().filter(n -> !n.alive() && n.has(resources)).toList();
    }

    /** Whether a node alive has {@code resources}; on the Ray thread. */
    boolean anyAlive(Map<String, Double> resources) {
        return nodes().stream().anyMatch(n -> n.alive() && n.has(resources));
    }

    /**
     * Once a second while tasks have been in flight for a second or more: drops (and reports) the tasks whose nodes are lost
     * and those past their deadline. Ray's Java API cannot cancel a task: a dropped task that Ray
     * still holds runs if a node with its resources joins, and its answer goes nowhere.
     */
    private void watch() {
        long now = System.nanoTime();
        if (inFlight.isEmpty() || now - watchedAt < NODES_NANOS) {
            return;
        }
        boolean waited = false; // calls answered within a second never cost a GCS call (node deaths then come from Ray)
        for (Waiting w : inFlight.values()) {
            if (now - w.submittedNanos() >= NODES_NANOS || w.deadlineNanos() != 0 && now - w.deadlineNanos() > 0) {
                waited = true;
                break;
            }
        }
        if (!waited) {
            return;
        }
        watchedAt = now;
        readNodes();
        List<Runnable> reports = new ArrayList<>();
        for (var it = inFlight.entrySet().iterator(); it.hasNext(); ) {
            Waiting w = it.next().getValue();
            List<RayApi.Node> lost = lostFor(w.resources());
            if (!lost.isEmpty()) {
                it.remove();
                reports.add(() -> w.then().lost(lost));
            } else if (w.deadlineNanos() != 0 && now - w.deadlineNanos() > 0) {
                it.remove();
                reports.add(() -> w.then().overdue((now - w.submittedNanos()) / 1_000_000));
            }
        }
        for (Runnable r : reports) { // after the scan: a report may submit again
            r.run();
        }
    }

    private void loop() {
        while (true) {
            try {
                for (Runnable r; (r = commands.poll()) != null; ) {
                    r.run();
                }
                for (RayDriverPool p : pools) {
                    p.pump(this);
                }
                watch();
                if (inFlight.isEmpty()) {
                    Runnable r = commands.poll(100, TimeUnit.MILLISECONDS);
                    if (r != null) {
                        r.run();
                    }
                    continue;
                }
                List<Object> refs = new ArrayList<>(inFlight.keySet());
                for (Object ref : ray.ready(refs, commands.isEmpty() ? 10 : 0)) {
                    InFlight f = inFlight.remove(ref).then();
                    byte[] answer;
                    try {
                        answer = (byte[]) ray.get(ref);
                    } catch (RuntimeException e) { // the task failed in Ray: worker or node lost, past retries
                        f.failed(e);
                        continue;
                    }
                    f.answered(answer);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                System.getLogger("io.shm4j.ray").log(System.Logger.Level.ERROR, "shm4j-ray thread: " + t, t);
                List<InFlight> lost = inFlight.values().stream().map(Waiting::then).toList();
                inFlight.clear(); // before failing them: a failure may submit again (removals of results)
                for (InFlight f : lost) {
                    try {
                        f.failed(t);
                    } catch (RuntimeException again) {
                        t.addSuppressed(again);
                    }
                }
            }
        }
    }
}
