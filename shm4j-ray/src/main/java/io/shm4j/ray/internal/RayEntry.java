package io.shm4j.ray.internal;

import io.shm4j.pool.TaskTimeoutException;
import io.shm4j.pool.internal.RemoteTasks;
import io.shm4j.segment.Access;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.ShmDirectory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one Ray task of the backend: a static method taking and returning {@code byte[]} (the only
 * argument type that crosses Ray's Java API without its FST serializer), run in Ray's Java
 * worker processes. Each worker JVM keeps one {@link RemoteTasks.Worker} (its mapping cache and
 * store connections) across tasks and pools, so a segment is mapped once per worker.
 *
 * <pre>
 *  header: version u8 (1) | caller pid i64 | caller start i64 | driver node key utf
 *          | driver node address utf | cache capacity i64 (0: half the shm directory) | chunk bytes i32
 *          | pool id utf | fnId i32 (0: the payload items are serialized Tasks) | slot i32
 *          | timeout millis i64 (0: none) | control segment name utf ("" none) | sweep millis i64
 *          | releases i32 x (name utf | generation i64)
 *          | items i32 x taskId i64
 *  payload: items x (length i32 | bytes)
 *  answer:  items x (length i32 | answer bytes) | node address utf ("" on the driver's node)
 * </pre>
 *
 * <p>On the driver's node (same node key: boot id and shm directory), refs name segments this
 * worker maps directly. On another node they are resolved to copies in the node's
 * {@link NodeCache}, fetched once per node in chunks by {@link #chunk} tasks that Ray runs on the
 * driver's node. What tasks publish there belongs to the worker until the driver, told the node's
 * address in the answer, has read it with {@link #chunk} tasks on that node and removed it
 * ({@link RemoteResult}). The pool's control segment (driver's node only) says which tasks were
 * cancelled ({@code shutdownNow}): word 0 is the lowest task id still wanted.
 *
 * <p>A task runs on a helper thread while this thread waits for it, its timeout and its
 * cancellation; a task that overruns its timeout or ignores a cancellation for 2 s leaves the
 * worker poisoned: it halts once idle (after its answer has gone), so that Ray starts a fresh one.
 *
 * <p>Thread-safety: Ray runs one task at a time per Java worker; the static state is
 * thread-safe anyway.
 */
public final class RayEntry {
    private static final RemoteTasks.Worker WORKER = new RemoteTasks.Worker();
    private static final ExecutorService RUNNER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "shm4j-ray-task");
        t.setDaemon(true);
        return t;
    });
    private static final AtomicBoolean POISONED = new AtomicBoolean();
    private static final java.util.concurrent.atomic.AtomicInteger ACTIVE = new java.util.concurrent.atomic.AtomicInteger();
    private static volatile long idleSince = System.nanoTime();
    private static final Map<String, Segment> CONTROLS = new LinkedHashMap<>();
    private static volatile long lastSweep = System.nanoTime();
    private static volatile String nodeKey;

    /** How often each worker JVM reclaims what dead processes left in its node's shm directory. */
    private static final long GC_NANOS = 10_000_000_000L;
    private static volatile long lastGc = System.nanoTime() - GC_NANOS;
    private static volatile boolean inWorker; // a Ray worker: this class's tasks ran here (not the driver)

    static {
        Thread sweeper = new Thread(RayEntry::sweepLoop, "shm4j-ray-sweep");
        sweeper.setDaemon(true);
        sweeper.start();
    }

    private RayEntry() {}

    /**
     * Runs the tasks of one call.
     *
     * @param header what to run and for whom (see the class comment)
     * @param fn the serialized function, or an empty array for tasks
     * @param payload the items or serialized tasks
     * @return one answer per item ({@link RemoteTasks.Worker#run})
     */
    public static byte[] run(byte[] header, byte[] fn, byte[] payload) {
        inWorker = true;
        ACTIVE.incrementAndGet();
        try {
            return runChecked(header, fn, payload);
        } catch (IOException e) {
            throw new UncheckedIOException("shm4j-ray: corrupt call: " + e, e);
        } finally {
            WORKER.closeStores(); // this process outlives the pool: it must not keep its stores alive
            idleSince = System.nanoTime();
            ACTIVE.decrementAndGet();
        }
    }

    private static byte[] runChecked(byte[] header, byte[] fn, byte[] payload) throws IOException {
        DataInputStream h = new DataInputStream(new ByteArrayInputStream(header));
        int version = h.readUnsignedByte();
        if (version != 1) {
            throw new IOException("unknown call version: version=" + version
                    + "; the driver and the workers must run the same shm4j-ray jar");
        }
        ProcessIdentity caller = new ProcessIdentity(h.readLong(), h.readLong());
        String driverNode = h.readUTF();
        String driverAddress = h.readUTF();
        long cacheBytes = h.readLong();
        int chunkBytes = h.readInt();
        String poolId = h.readUTF();
        int fnId = h.readInt();
        int slot = h.readInt();
        long timeoutMillis = h.readLong();
        String control = h.readUTF();
        long sweepMillis = h.readLong();
        int releases = h.readInt();
        for (int i = 0; i < releases; i++) {
            WORKER.release(h.readUTF(), h.readLong());
        }
        if (System.nanoTime() - lastSweep > sweepMillis * 1_000_000L) {
            sweep();
        }
        boolean local = driverNode.equals(nodeKey());
        // On another node, what a task publishes belongs to this worker until the driver has taken
        // its bytes (RemoteResult); were it the driver's, a gc here would take it for a dead owner's.
        ProcessIdentity owner = local ? caller : ProcessIdentity.current();
        RemoteTasks.RefResolver resolver = local ? null
                : new NodeCache(ShmDirectory.current(), driverNode, (ref, off, len) -> fetchChunk(driverAddress, ref,
                        off, len), cacheBytes, chunkBytes)::local;
        int n = h.readInt();
        DataInputStream p = new DataInputStream(new ByteArrayInputStream(payload));
        ByteArrayOutputStream answers = new ByteArrayOutputStream(64 * n);
        DataOutputStream out = new DataOutputStream(answers);
        String fnKey = fnId == 0 ? null : poolId + "/" + fnId;
        for (int i = 0; i < n; i++) {
            long taskId = h.readLong();
            byte[] item = p.readNBytes(p.readInt());
            byte[] answer = runOne(owner, taskId, slot, fnKey, fn, item, timeoutMillis,
                    local ? control : "", resolver);
            out.writeInt(answer.length);
            out.write(answer);
        }
        out.writeUTF(local ? "" : nodeAddress()); // where the driver fetches what the tasks published
        out.flush();
        return answers.toByteArray();
    }

    private static byte[] runOne(ProcessIdentity caller, long taskId, int slot, String fnKey, byte[] fn,
            byte[] item, long timeoutMillis, String control, RemoteTasks.RefResolver resolver) {
        if (cancelled(control, taskId)) {
            return RemoteTasks.Worker.failed(taskId, new CancellationException("task cancelled before it started: taskId="
                    + taskId + " (the pool was shut down)"));
        }
        Future<byte[]> f = RUNNER.submit(() -> WORKER.run(caller, taskId, slot, fnKey, fn, item, resolver));
        long start = System.nanoTime();
        while (true) {
            try {
                return f.get(50, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long ran = System.nanoTime() - start;
                if (timeoutMillis > 0 && ran > timeoutMillis * 1_000_000L) {
                    f.cancel(true);
                    poison();
                    return RemoteTasks.Worker.failed(taskId, new TaskTimeoutException("task timed out: taskId=" + taskId
                            + ", timeout=" + java.time.Duration.ofMillis(timeoutMillis) + ", backend=ray, pid="
                            + ProcessHandle.current().pid() + "; its Ray worker process exits", taskId));
                }
                if (cancelled(control, taskId)) {
                    f.cancel(true);
                    try {
                        f.get(2, TimeUnit.SECONDS);
                    } catch (Exception ended) {
                        if (!f.isDone() || ended instanceof TimeoutException) {
                            poison();
                        }
                    }
                    return RemoteTasks.Worker.failed(taskId, new CancellationException(
                            "task cancelled while running: taskId=" + taskId + " (the pool was shut down)"));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                f.cancel(true);
                return RemoteTasks.Worker.failed(taskId, new CancellationException("interrupted: taskId=" + taskId));
            } catch (java.util.concurrent.ExecutionException e) {
                return RemoteTasks.Worker.failed(taskId, e.getCause()); // WORKER.run does not throw; a guard
            }
        }
    }

    // ---------------------------------------------------------------- images for other nodes

    private static volatile RayApi api;
    private static final Map<String, Segment> SERVED = new LinkedHashMap<>();

    private static volatile String nodeAddress;

    private static RayApi api() {
        RayApi a = api;
        if (a == null) {
            a = RayApi.bind(RayEntry.class.getClassLoader());
            api = a;
        }
        return a;
    }

    /** This worker's node address, as the cluster knows it (asked once). */
    private static String nodeAddress() {
        String n = nodeAddress;
        if (n == null) {
            n = api().nodeAddress();
            nodeAddress = n;
        }
        return n;
    }

    /** Reads a chunk of a driver-node segment through a {@link #chunk} task on that node. */
    private static byte[] fetchChunk(String driverAddress, io.shm4j.segment.SegmentRef ref, long offset, int length) {
        RayApi a = api();
        Object r = a.submitChunk(chunkRequest(ref, offset, length, CHUNK_READ),
                Map.of("node:" + driverAddress, 0.001, "CPU", 0.0));
        return (byte[]) a.get(r);
    }

    /** {@link #chunk} reads bytes. */
    static final int CHUNK_READ = 0;
    /** {@link #chunk} removes the segment (a result the driver has taken) and answers nothing. */
    static final int CHUNK_REMOVE = 1;

    /** A request of {@link #chunk}. */
    static byte[] chunkRequest(io.shm4j.segment.SegmentRef ref, long offset, int length, int op) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeUTF(ref.name());
            out.writeUTF(ref.kind().name());
            out.writeLong(ref.size());
            out.writeLong(ref.generation());
            out.writeLong(offset);
            out.writeInt(length);
            out.writeByte(op);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /**
     * A chunk of a segment of this node, for a process of another node (a worker fetching a
     * driver's segment, or the driver taking a result published here): {@code request} is
     * name utf | kind utf | size i64 | generation i64 | offset i64 | length i32 | op u8
     * ({@link #CHUNK_READ}, or {@link #CHUNK_REMOVE}: remove that incarnation, answer 0 bytes). The
     * segment is mapped once and kept (a few at a time) while chunks are served.
     */
    public static byte[] chunk(byte[] request) {
        inWorker = true;
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(request));
            io.shm4j.segment.SegmentRef ref = new io.shm4j.segment.SegmentRef(in.readUTF(),
                    io.shm4j.segment.SegmentKind.valueOf(in.readUTF()), in.readLong(), in.readLong());
            long offset = in.readLong();
            int length = in.readInt();
            int op = in.readUnsignedByte();
            synchronized (SERVED) {
                String key = ref.name() + "/" + ref.generation();
                if (op == CHUNK_REMOVE) {
                    Segment served = SERVED.remove(key);
                    if (served != null) {
                        served.close();
                    }
                    ShmDirectory dir = ShmDirectory.current();
                    if (dir.find(ref.name()).filter(i -> i.generation() == ref.generation()).isPresent()) {
                        dir.remove(ref.name(), true);
                    }
                    return new byte[0];
                }
                Segment s = SERVED.get(key);
                if (s == null) {
                    s = Segment.attach(ref, Access.READ_ONLY);
                    SERVED.put(key, s);
                    if (SERVED.size() > 4) {
                        var oldest = SERVED.entrySet().iterator().next();
                        oldest.getValue().close();
                        SERVED.remove(oldest.getKey());
                    }
                }
                byte[] out = new byte[length];
                MemorySegment.copy(s.memory(), ValueLayout.JAVA_BYTE, offset, out, 0, length);
                return out;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A task thread is stuck: halt once this worker has been idle for 300 ms (its answer has gone).
     * Later calls run meanwhile on other threads; one that Ray hands over just as the worker halts
     * fails with a dead worker, which the driver retries ({@code maxRetries}).
     */
    private static void poison() {
        if (POISONED.compareAndSet(false, true)) {
            Thread t = new Thread(() -> {
                while (true) {
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ignored) {
                        // halt anyway
                    }
                    if (ACTIVE.get() == 0 && System.nanoTime() - idleSince > 300_000_000L) {
                        Runtime.getRuntime().halt(3);
                    }
                }
            }, "shm4j-ray-halt");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Whether the pool's control segment says task {@code taskId} is not wanted any more. */
    private static boolean cancelled(String control, long taskId) {
        if (control.isEmpty()) {
            return false;
        }
        synchronized (CONTROLS) {
            Segment s = CONTROLS.get(control);
            if (s == null) {
                try {
                    s = Segment.attach(control, Access.READ_ONLY);
                } catch (RuntimeException e) {
                    return true; // the pool is gone (closed or shut down): nobody takes the answer
                }
                CONTROLS.put(control, s);
                if (CONTROLS.size() > 16) {
                    var oldest = CONTROLS.entrySet().iterator().next();
                    oldest.getValue().close();
                    CONTROLS.remove(oldest.getKey());
                }
            }
            return s.memory().get(ValueLayout.JAVA_LONG_UNALIGNED, 0) > taskId;
        }
    }

    private static void sweep() {
        lastSweep = System.nanoTime();
        try {
            WORKER.sweep();
        } catch (RuntimeException e) {
            // the next sweep retries
        }
        synchronized (SERVED) { // drop the segments served to other nodes whose names are gone
            SERVED.entrySet().removeIf(en -> {
                String name = en.getKey().substring(0, en.getKey().lastIndexOf('/'));
                if (ShmDirectory.current().find(name).isEmpty()) {
                    en.getValue().close();
                    return true;
                }
                return false;
            });
        }
        synchronized (CONTROLS) { // drop the control segments of pools that are gone
            CONTROLS.entrySet().removeIf(en -> {
                if (ShmDirectory.current().find(en.getKey()).isEmpty()) {
                    en.getValue().close();
                    return true;
                }
                return false;
            });
        }
    }

    /**
     * Runs {@code gc} in this node's shm directory now and then (in a Ray worker: within a second
     * of its first task, then every 10 s):
     * the scoped segments of dead processes go — a dead driver's, and the node copies and results
     * of the workers Ray stops when their job ends (its driver exited or was killed). No process
     * of a node other than the driver's would do it otherwise.
     */
    private static void gcNow() {
        lastGc = System.nanoTime();
        try {
            ShmDirectory.current().gc(false);
        } catch (RuntimeException e) {
            // the next round tries again
        }
    }

    private static void sweepLoop() {
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            if (inWorker && System.nanoTime() - lastGc > GC_NANOS) {
                gcNow();
            }
            if (System.nanoTime() - lastSweep > 1_000_000_000L) {
                sweep();
            }
        }
    }

    /**
     * What identifies this process's shm directory across the cluster: the kernel's boot id and
     * the directory's device and inode. Two processes with the same key map the same segments.
     */
    public static String nodeKey() {
        String k = nodeKey;
        if (k == null) {
            k = computeNodeKey(ShmDirectory.current().path());
            nodeKey = k;
        }
        return k;
    }

    static String computeNodeKey(java.nio.file.Path dir) {
        String boot;
        try {
            boot = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/random/boot_id")).trim();
        } catch (IOException e) {
            boot = "unknown-boot";
        }
        try {
            Object dev = java.nio.file.Files.getAttribute(dir, "unix:dev");
            Object ino = java.nio.file.Files.getAttribute(dir, "unix:ino");
            return boot + "/" + dev + ":" + ino;
        } catch (IOException | UnsupportedOperationException e) {
            return boot + "/" + dir.toAbsolutePath();
        }
    }
}
