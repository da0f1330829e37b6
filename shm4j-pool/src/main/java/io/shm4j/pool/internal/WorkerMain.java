package io.shm4j.pool.internal;

import io.shm4j.pool.SerializableFunction;
import io.shm4j.pool.Task;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.ShmDirectory;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The main class of a worker JVM. It connects to its pool's socket, then runs the tasks it
 * receives one at a time, in order, keeping its segment mappings across tasks.
 *
 * <p>A worker never outlives its caller: it exits when its socket reaches end of file (the
 * kernel closes the caller's end when the caller dies, even by {@code kill -9}), or when a
 * liveness check (every 200 ms) finds the caller gone; if the caller is dead it first reclaims
 * the dead caller's scoped segments ({@code gc}).
 *
 * <p>Threads: a reader (decodes frames, defines functions, queues the rest), an executor (runs
 * tasks, writes every answer; flushes when nothing more is queued), and a sweeper (caller
 * liveness every 200 ms; queues a mapping sweep every sweep interval). Only the executor touches
 * the mapping cache: RELEASE and sweeps run on it between tasks, in queue order, so a mapping is
 * never closed under a running task, and RELEASED is answered once no task uses the mapping.
 * Only the executor writes to the socket after HELLO, so the reader never blocks on a write the
 * caller is not reading. Nothing reads stdin: a thread blocked in a native read delays JVM exit
 * by 300 ms.
 *
 * <p>Arguments: {@code SOCKET SLOT CALLER_PID CALLER_START SWEEP_MILLIS}.
 */
public final class WorkerMain {
    /** Set on the one worker that records the class-data-sharing archive at exit. */
    static final String RECORDING_PROPERTY = "shm4j.pool.worker.recording";
    private static final Object SHUTDOWN = new Object();
    private static final Object SWEEP = new Object();

    private final SocketChannel channel;
    private final Path socket;
    private final int slot;
    private final ProcessIdentity caller;
    private final long sweepMillis;
    private final DataOutputStream out;
    private final MappingCache cache = new MappingCache();
    private final StoreHandles storeHandles = new StoreHandles();
    private final Map<Integer, SerializableFunction<Object, Object>> functions = new ConcurrentHashMap<>();
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    /** Whether a SWEEP is queued and not yet run (at most one at a time). */
    private final java.util.concurrent.atomic.AtomicBoolean sweepQueued = new java.util.concurrent.atomic.AtomicBoolean();
    private final ByteArrayOutputStream resultBytes = new ByteArrayOutputStream(256);
    private final DataOutputStream result = new DataOutputStream(resultBytes);

    private WorkerMain(Path socket, SocketChannel channel, int slot, ProcessIdentity caller, long sweepMillis) {
        this.socket = socket;
        this.channel = channel;
        this.slot = slot;
        this.caller = caller;
        this.sweepMillis = sweepMillis;
        this.out = new DataOutputStream(new BufferedOutputStream(ChannelStreams.output(channel), 1 << 16));
    }

    /**
     * Runs a worker.
     *
     * @param args socket path, slot, caller pid, caller start ticks, sweep interval in ms
     * @throws IOException if the pool's socket cannot be reached
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: WorkerMain SOCKET SLOT CALLER_PID CALLER_START SWEEP_MILLIS"
                    + " (started by io.shm4j.pool.WorkerPool, not by hand)");
            System.exit(2);
        }
        ProcessIdentity caller = new ProcessIdentity(Long.parseLong(args[2]), Long.parseLong(args[3]));
        Path socket = Path.of(args[0]);
        SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        new WorkerMain(socket, ch, Integer.parseInt(args[1]), caller, Long.parseLong(args[4])).run();
    }

    private void run() throws IOException {
        synchronized (out) {
            out.writeInt(1 + 8 + 4);
            out.writeByte(Wire.HELLO);
            out.writeLong(ProcessHandle.current().pid());
            out.writeInt(slot);
            out.flush();
        }
        daemon("shm4j-worker-sweep", this::sweepLoop);
        daemon("shm4j-worker-exec", this::executeLoop);
        readLoop();
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    // ---------------------------------------------------------------- reader

    private void readLoop() {
        DataInputStream in = new DataInputStream(new BufferedInputStream(ChannelStreams.input(channel), 1 << 16));
        try {
            while (true) {
                int length = in.readInt();
                byte type = in.readByte();
                byte[] body = in.readNBytes(length - 1);
                if (body.length != length - 1) {
                    throw new EOFException();
                }
                switch (type) {
                    case Wire.TASK, Wire.FORGET, Wire.RELEASE -> queue.add(new Frame(type, body));
                    case Wire.DEFINE -> define(body);
                    case Wire.SHUTDOWN -> queue.add(SHUTDOWN);
                    default -> throw new IOException("corrupt frame: type=" + type);
                }
            }
        } catch (IOException e) {
            exit("connection to the pool closed", 0);
        }
    }

    private record Frame(byte type, byte[] body) {}

    @SuppressWarnings("unchecked")
    private void define(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        int fnId = in.readInt();
        functions.put(fnId, (SerializableFunction<Object, Object>) Values.deserialize(in.readAllBytes()));
    }

    /** Drops the mappings of a released ref and answers RELEASED. On the executor, between tasks. */
    private void release(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        long requestId = in.readLong();
        String name = in.readUTF();
        long generation = in.readLong();
        int dropped = cache.release(name, generation).retired(); // no task runs now: unmapped already
        synchronized (out) { // flushed by the loop when nothing more is queued
            out.writeInt(1 + 8 + 4);
            out.writeByte(Wire.RELEASED);
            out.writeLong(requestId);
            out.writeInt(dropped);
        }
    }

    // ---------------------------------------------------------------- executor

    private void executeLoop() {
        try {
            while (true) {
                Object next = queue.take();
                if (next == SHUTDOWN) {
                    synchronized (out) {
                        out.flush();
                    }
                    cache.close();
                    storeHandles.close();
                    closeChannel();
                    terminate(0);
                }
                if (next == SWEEP) {
                    sweepQueued.set(false);
                    try {
                        cache.sweep();
                    } catch (RuntimeException e) {
                        // a sweep failure keeps mappings a little longer; the next sweep retries
                    }
                } else {
                    Frame f = (Frame) next;
                    switch (f.type()) {
                        case Wire.FORGET -> functions.remove(
                                new DataInputStream(new ByteArrayInputStream(f.body())).readInt());
                        case Wire.RELEASE -> release(f.body());
                        default -> runTask(f.body());
                    }
                }
                if (queue.isEmpty()) {
                    synchronized (out) {
                        out.flush();
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            exit("cannot write to the pool", 0);
        } catch (Throwable t) {
            // The executor cannot go on (an error while answering): a worker that stays alive but
            // never answers would hang its task and close() forever. Exit instead: the pool sees
            // a dead worker, replaces it and retries or fails the task.
            try {
                System.err.println("shm4j worker " + slot + ": executor failed, exiting: " + t);
            } catch (Throwable ignored) {
                // exiting anyway
            }
            exit("executor failed", 1);
        }
    }

    private void runTask(byte[] body) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
        long taskId = in.readLong();
        int fnId = in.readInt();
        long start = System.nanoTime();
        Object value;
        Throwable failure = null;
        StoreHandles.TaskScope stores = new StoreHandles.TaskScope(storeHandles);
        WorkerContext context = new WorkerContext(cache, stores, caller, taskId, slot);
        CurrentContext.set(context);
        try {
            if (fnId == 0) {
                Task<?> task = (Task<?>) Values.deserialize(in.readAllBytes());
                value = task.call(CurrentContext.require());
            } else {
                SerializableFunction<Object, Object> fn = functions.get(fnId);
                if (fn == null) {
                    throw new IllegalStateException("function not defined in worker: fnId=" + fnId);
                }
                value = fn.apply(Values.decode(in));
            }
        } catch (Throwable t) {
            value = null;
            failure = t;
        } finally {
            CurrentContext.clear();
        }
        RuntimeException ended = context.end(); // leases and pins end with the task, before its result is sent
        if (failure == null) {
            failure = ended;
        }
        long nanos = System.nanoTime() - start;
        resultBytes.reset();
        if (failure == null) {
            try {
                result.writeByte(Wire.OK);
                result.writeLong(taskId);
                result.writeLong(nanos);
                Values.encode(value, result);
            } catch (Throwable e) { // StackOverflowError of a deeply nested result, OutOfMemoryError...
                failure = e;
                resultBytes.reset();
            }
        }
        if (failure != null) {
            writeError(taskId, nanos, failure);
        }
        result.writeInt(context.published().size());
        for (io.shm4j.segment.SegmentRef ref : context.published()) {
            Values.writeRef(ref, result);
        }
        synchronized (out) {
            out.writeInt(resultBytes.size());
            resultBytes.writeTo(out);
        }
    }

    private void writeError(long taskId, long nanos, Throwable t) throws IOException {
        result.writeByte(Wire.ERROR);
        result.writeLong(taskId);
        result.writeLong(nanos);
        Values.writeFailure(result, t);
    }

    // ---------------------------------------------------------------- caller watch

    private void sweepLoop() {
        long lastSweep = System.nanoTime();
        while (true) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            if (!caller.isAlive()) {
                exit("caller died", 0);
            }
            if (System.nanoTime() - lastSweep >= sweepMillis * 1_000_000L) {
                lastSweep = System.nanoTime();
                if (sweepQueued.compareAndSet(false, true)) {
                    queue.add(SWEEP); // run by the executor between tasks, never under a running one
                }
            }
        }
    }

    /** Closes the socket, so that the reader thread is not blocked in a native read at exit. */
    private void closeChannel() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // exiting anyway
        }
    }

    private void exit(String why, int code) {
        closeChannel();
        storeHandles.close(); // leave the stores (the worker halts: no shutdown hooks run)
        if (!caller.isAlive()) {
            try {
                ShmDirectory.current().gc(false); // the dead caller's scoped segments
                java.nio.file.Files.deleteIfExists(socket); // and its socket directory
                java.nio.file.Files.deleteIfExists(socket.getParent());
            } catch (IOException | RuntimeException e) {
                // the next pool start or `shm4j gc` reclaims them
            }
        }
        terminate(code);
    }

    /**
     * Ends the worker. A normal JVM exit waits up to 300 ms for threads blocked in native reads
     * (this worker's stdin and socket readers), so the worker halts instead; only a worker
     * recording the class-data archive, which the JVM writes during a normal exit, exits
     * normally (with a watchdog).
     */
    private static void terminate(int code) {
        if (!Boolean.getBoolean(RECORDING_PROPERTY)) {
            Runtime.getRuntime().halt(code);
        }
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException ignored) {
                // halt anyway
            }
            Runtime.getRuntime().halt(code);
        }, "shm4j-worker-exit-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        System.exit(code);
    }
}
