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
    }

    final String address;
    final String nodeKey;
    final Path rayJar;
    volatile String nodeAddress = "";
    private final BlockingQueue<Runnable> commands = new LinkedBlockingQueue<>();
    private final List<RayDriverPool> pools = new CopyOnWriteArrayList<>();
    private final Map<Object, InFlight> inFlight = new HashMap<>();
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

    /** Submits a call; on the Ray thread. */
    void submit(RayDriverPool pool, RayDriverPool.Call call, byte[] header, Object fn, byte[] payload) {
        Object ref = ray.submit(new Object[] {header, fn, payload}, pool.resources);
        inFlight.put(ref, new CallInFlight(pool, call));
    }

    /** Submits {@code RayEntry.chunk(request)} on the node {@code nodeAddress}; on the Ray thread. */
    void submitChunk(byte[] request, String nodeAddress, InFlight then) {
        Object ref = ray.submitChunk(request, Map.of("node:" + nodeAddress, 0.001, "CPU", 0.0));
        inFlight.put(ref, then);
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
                if (inFlight.isEmpty()) {
                    Runnable r = commands.poll(100, TimeUnit.MILLISECONDS);
                    if (r != null) {
                        r.run();
                    }
                    continue;
                }
                List<Object> refs = new ArrayList<>(inFlight.keySet());
                for (Object ref : ray.ready(refs, commands.isEmpty() ? 10 : 0)) {
                    InFlight f = inFlight.remove(ref);
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
                List<InFlight> lost = new ArrayList<>(inFlight.values());
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
