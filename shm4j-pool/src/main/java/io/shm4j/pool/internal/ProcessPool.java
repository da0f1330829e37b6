package io.shm4j.pool.internal;

import io.shm4j.pool.Backend;
import io.shm4j.pool.PoolClosedException;
import io.shm4j.pool.PoolException;
import io.shm4j.pool.SerializableFunction;
import io.shm4j.pool.Task;
import io.shm4j.pool.TaskFailedException;
import io.shm4j.pool.TaskTimeoutException;
import io.shm4j.pool.WorkerDiedException;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.SegmentRef;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The processes backend: N worker JVMs connected by Unix-domain sockets (protocol in
 * {@link Wire}).
 *
 * <p><b>Scheduling:</b> one queue of tasks; each worker gets tasks sent ahead up to a depth that
 * keeps about a millisecond of work queued at it (short tasks are pipelined to hide round trips,
 * long ones go one at a time so the load stays balanced). Frames for a worker are written in
 * batches with one flush per dispatch pass. Answers come back in the order the worker ran the
 * tasks, so the oldest outstanding task of a worker is the one running, and its start time is
 * when the previous answer arrived: that is what per-task timeouts measure.
 *
 * <p><b>Failures:</b> when a worker's connection ends, the pool reaps it, retries the task it was
 * running (up to {@code maxRetries}, then {@link WorkerDiedException}), puts the tasks queued
 * behind it back at the head of the queue, and starts a replacement in the same slot.
 *
 * <p><b>Threading:</b> thread-safe. One lock guards the queue and all worker state; it is held
 * only to change that state, never for I/O or to start a process. Frames for a worker are queued
 * to its {@link FrameWriter}, the one thread that writes its socket: a worker that stops reading
 * (stopped with {@code SIGSTOP}, swapped out, in a long GC) blocks its writer only, and
 * {@code submit}, answers from other workers, {@code release}, {@code close} and
 * {@code workerPids} go on. Each worker also has a reader thread that reads its answers and
 * completes futures outside the lock; one acceptor thread takes new connections. Task timeouts
 * are checked by a monitor thread that reads each worker's running task without the lock and
 * kills the worker of a task past its timeout; the worker's death is then handled like any other
 * (its reader sees the end of the connection), and a replacement is started outside the lock.
 *
 * <p><b>Ownership:</b> owns its worker processes, its socket directory and its threads, all
 * released by {@link #close()} or {@link #shutdownNow()}.
 */
final class ProcessPool extends AbstractPool {
    private enum State { STARTING, RUNNING, CLOSING, CLOSED }

    private record FnHandle(int id) implements Fn {}

    private static final AtomicLong RECORDINGS = new AtomicLong();
    /** A worker with tasks outstanding gets no further task once this many bytes of tasks are outstanding. */
    static final long SEND_AHEAD_BYTES = 1 << 20;
    private static final System.Logger LOG = System.getLogger("io.shm4j.pool");

    private final WorkerLauncher launcher;
    private final Path socketDir;
    private final Path socketPath;
    private final ServerSocketChannel server;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<PendingTask> queue = new ArrayDeque<>();
    private final WorkerHandle[] slots;
    private final Map<Long, WorkerHandle> starting = new HashMap<>();
    private final List<WorkerHandle> retired = new ArrayList<>();
    private final Map<Integer, Frame> defineFrames = new ConcurrentHashMap<>();
    private final AtomicLong taskIds = new AtomicLong();
    private final AtomicInteger fnIds = new AtomicInteger();
    private final AtomicLong requestIds = new AtomicLong();
    private final ScheduledExecutorService monitor;
    /** The connected workers, for the timeout monitor, which reads them without the lock. */
    private final java.util.concurrent.CopyOnWriteArrayList<WorkerHandle> monitored =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private State state = State.STARTING;
    private int unfinished;
    private int startFailures;
    private String startFailure;
    /** Replacement workers decided under the lock and being started outside it. */
    private int spawning;

    private ProcessPool(PoolConfig config) throws IOException {
        super(config);
        this.launcher = new WorkerLauncher(config);
        this.slots = new WorkerHandle[config.workers()];
        removeStaleSocketDirs();
        ProcessIdentity self = ProcessIdentity.current();
        this.socketDir = Files.createTempDirectory("shm4j-pool-" + self.pid() + "-" + self.startTicks() + "-ns"
                + ProcessIdentity.currentPidNamespace() + "-");
        this.socketPath = socketDir.resolve("s");
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketPath));
        this.acceptor = new Thread(this::acceptLoop, "shm4j-pool-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        this.monitor = config.taskTimeout() == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "shm4j-pool-timeouts");
            t.setDaemon(true);
            return t;
        });
        if (monitor != null) {
            long period = Math.max(5, Math.min(100, config.taskTimeout().toMillis() / 4));
            monitor.scheduleAtFixedRate(this::checkTimeouts, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /** Starts a pool and waits until every worker is connected. */
    static ProcessPool start(PoolConfig config) {
        ProcessPool pool;
        try {
            pool = new ProcessPool(config);
        } catch (IOException e) {
            throw new PoolException("cannot open the pool's socket: dir=" + System.getProperty("java.io.tmpdir")
                    + ", error=" + e + "; check that the temporary directory is writable", e);
        }
        try {
            pool.awaitStart();
            return pool;
        } catch (RuntimeException e) {
            pool.shutdownNow();
            throw e;
        }
    }

    private void awaitStart() {
        long deadline = System.nanoTime() + config.startTimeout().toNanos();
        lock.lock();
        try {
            spawning += slots.length;
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < slots.length; i++) {
            spawn(i);
        }
        lock.lock();
        try {
            while (connected() < slots.length) {
                if (startFailure != null) {
                    throw new PoolException("a worker failed to start: " + startFailure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new PoolException("workers did not start in time: started=" + connected()
                            + ", workers=" + slots.length + ", startTimeout=" + config.startTimeout()
                            + "; the machine may be overloaded, or raise startTimeout");
                }
                changed.awaitNanos(left);
            }
            state = State.RUNNING;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PoolException("interrupted while starting workers", e);
        } finally {
            lock.unlock();
        }
    }

    private int connected() {
        int n = 0;
        for (WorkerHandle w : slots) {
            if (w != null) {
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- workers: start, connect

    /**
     * Starts a worker process for {@code slot}; the caller counted it in {@link #spawning} under
     * the lock. Runs without the lock: starting a JVM takes milliseconds.
     */
    private void spawn(int slot) {
        while (true) {
            String failure = launch(slot);
            if (failure == null) {
                return;
            }
            lock.lock();
            try {
                spawning--; // not counted while its failure is judged: "no worker left" means none at all
                changed.signalAll();
                if (!onStartFailure(slot, failure)) {
                    return;
                }
                spawning++;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Starts the process; null when it runs (it connects later), else why it could not start. */
    private String launch(int slot) {
        Path record = null;
        if (slot == 0 && launcher.shouldRecordArchive()) {
            record = launcher.recordingPath(RECORDINGS.incrementAndGet());
        }
        List<String> cmd = launcher.command(socketPath, slot, config.sweepInterval().toMillis(), record);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return "cannot run java: command=" + cmd.get(0) + ", error=" + e;
        }
        WorkerHandle w = new WorkerHandle(slot, p, record);
        w.pumpStderr(launcher.droppedFirstStderrLine());
        boolean closed;
        lock.lock();
        try {
            spawning--;
            closed = state == State.CLOSED;
            if (!closed) {
                starting.put(p.pid(), w);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (closed) { // the pool closed while this worker started
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }
        p.onExit().thenRun(() -> {
            boolean again;
            w.awaitStderrEnd(2_000); // its last words (an unknown JVM option, a missing class) go in the error
            lock.lock();
            try {
                String tail = w.stderrTail();
                again = starting.remove(p.pid()) == w && onStartFailure(slot, "worker exited before connecting: slot="
                        + slot + ", pid=" + p.pid() + ", exitCode=" + p.exitValue()
                        + (tail.isEmpty() ? "" : ", stderr=" + tail)
                        + (tail.contains("ClassNotFoundException") || tail.contains("find or load main class")
                                ? ", " + launcher.classPath().describe() + "; add what the workers lack"
                                        + " with WorkerPool.builder().classPath(...)" : ""));
                if (again) {
                    spawning++;
                }
            } finally {
                lock.unlock();
            }
            if (again) {
                spawn(slot);
            }
        });
        return null;
    }

    /**
     * Records a worker that failed to start; true if it should be started again (the caller does
     * that outside the lock, counted in {@link #spawning}). Caller holds the lock.
     */
    private boolean onStartFailure(int slot, String why) {
        if (state == State.STARTING) {
            startFailure = why;
            changed.signalAll();
            return false;
        }
        if (state == State.CLOSED) {
            return false;
        }
        if (++startFailures <= 3) {
            return true;
        }
        startFailure = why;
        LOG.log(System.Logger.Level.WARNING, "a worker cannot be started, its slot stays empty: slot=" + slot
                + ", workers=" + connected() + " of " + slots.length + ", error=" + why
                + "; the pool runs on with the workers it has");
        if (connected() == 0 && starting.isEmpty() && spawning == 0) {
            List<PendingTask> lost = new ArrayList<>(queue);
            queue.clear();
            for (PendingTask t : lost) {
                finish(t, null, new PoolException("no worker can be started: " + why
                        + "; the pool cannot run tasks, close it"));
            }
        }
        return false;
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                DataInputStream in = new DataInputStream(new BufferedInputStream(ChannelStreams.input(ch), 1 << 16));
                int length = in.readInt();
                byte type = in.readByte();
                if (type != Wire.HELLO || length != 13) {
                    throw new IOException("bad hello: type=" + type + ", length=" + length);
                }
                long pid = in.readLong();
                int slot = in.readInt();
                WorkerHandle w;
                lock.lock();
                try {
                    w = starting.remove(pid);
                    if (w == null || w.slot != slot || state == State.CLOSED) {
                        ch.close();
                        if (w != null) {
                            w.process.destroyForcibly();
                        }
                        continue;
                    }
                    w.channel = ch;
                    w.writer = new FrameWriter(ch, w.process);
                    w.writer.start("shm4j-pool-writer-" + slot);
                    slots[slot] = w;
                    monitored.add(w);
                    startFailures = 0;
                    changed.signalAll();
                    dispatch();
                } finally {
                    lock.unlock();
                }
                Thread reader = new Thread(() -> readLoop(w, in), "shm4j-pool-io-" + slot);
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }

    // ---------------------------------------------------------------- submission

    @Override
    public <R> CompletableFuture<R> submit(Task<R> task) {
        java.util.Objects.requireNonNull(task, "task");
        launcher.classPath().check(task.getClass());
        long id = taskIds.incrementAndGet();
        Frame frame = taskFrame(id, 0, out -> Values.serializeTo(task, "task", out));
        PendingTask t = new PendingTask(id, 0, frame, null);
        enqueue(List.of(t));
        @SuppressWarnings("unchecked")
        CompletableFuture<R> f = (CompletableFuture<R>) (CompletableFuture<?>) t.future;
        return f;
    }

    @Override
    protected Fn register(SerializableFunction<?, ?> fn) {
        launcher.classPath().check(fn.getClass());
        byte[] body = Values.serialize(fn, "function");
        int id = fnIds.incrementAndGet();
        defineFrames.put(id, frame(Wire.DEFINE, out -> {
            out.writeInt(id);
            out.write(body);
        }));
        return new FnHandle(id);
    }

    @Override
    protected void unregister(Fn fn) {
        int id = ((FnHandle) fn).id();
        defineFrames.remove(id);
        Frame forget = frame(Wire.FORGET, out -> out.writeInt(id));
        lock.lock();
        try {
            for (WorkerHandle w : slots) {
                if (w != null && w.defined.remove(id)) {
                    send(w, forget);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    protected List<CompletableFuture<Object>> apply(Fn fn, List<?> items, Job job) {
        int fnId = ((FnHandle) fn).id();
        List<PendingTask> tasks = new ArrayList<>(items.size());
        for (Object item : items) {
            long id = taskIds.incrementAndGet();
            tasks.add(new PendingTask(id, fnId, taskFrame(id, fnId, out -> Values.encode(item, out)),
                    job.tracked() ? job : null));
        }
        enqueue(tasks);
        List<CompletableFuture<Object>> out = new ArrayList<>(tasks.size());
        for (PendingTask t : tasks) {
            out.add(t.future);
        }
        return out;
    }

    private void enqueue(List<PendingTask> tasks) {
        lock.lock();
        try {
            if (state != State.RUNNING) {
                throw new PoolClosedException("pool is " + state.name().toLowerCase(java.util.Locale.ROOT)
                        + ": backend=processes; submit to a new pool");
            }
            if (connected() == 0 && starting.isEmpty() && spawning == 0) {
                throw new PoolException("no worker can be started: workers=0 of " + slots.length
                        + ", error=" + startFailure + "; the pool cannot run tasks, close it");
            }
            queue.addAll(tasks);
            unfinished += tasks.size();
            dispatch();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands queued tasks to workers with room, least loaded first: their frames go to each
     * worker's writer queue, one batch per worker. Never blocks. Caller holds the lock.
     */
    private void dispatch() {
        Map<WorkerHandle, List<Frame>> batches = null;
        int depthMax = config.maxPipelinePerWorker();
        while (!queue.isEmpty()) {
            WorkerHandle best = null;
            for (WorkerHandle w : slots) {
                if (w != null && !w.broken && !w.retiring && hasRoom(w, depthMax)
                        && (best == null || w.outstanding.size() < best.outstanding.size())) {
                    best = w;
                }
            }
            if (best == null) {
                break;
            }
            PendingTask t = queue.poll();
            if (t.future.isDone()) { // cancelled by its caller
                unfinished--;
                changed.signalAll();
                continue;
            }
            if (batches == null) {
                batches = new HashMap<>(4);
            }
            List<Frame> batch = batches.computeIfAbsent(best, k -> new ArrayList<>());
            if (t.fnId != 0 && !best.defined.contains(t.fnId)) {
                Frame define = defineFrames.get(t.fnId);
                if (define == null) {
                    finish(t, null, new PoolException("function was unregistered before its task ran: taskId=" + t.id));
                    continue;
                }
                batch.add(define);
                best.defined.add(t.fnId);
            }
            if (best.outstanding.isEmpty()) {
                best.head = new WorkerHandle.Head(t.id, System.nanoTime());
            }
            best.outstanding.add(t);
            best.outstandingBytes += t.frame.size();
            batch.add(t.frame);
        }
        if (batches != null) {
            for (Map.Entry<WorkerHandle, List<Frame>> b : batches.entrySet()) {
                b.getKey().lastRelease = null;
                b.getKey().writer.offer(b.getValue());
            }
        }
    }

    /**
     * Whether a worker takes another task now. A worker is topped up in batches: once full, it
     * gets nothing more until its queue has fallen to half its depth, so that with short tasks
     * its writer thread wakes once per batch rather than once per answer.
     */
    private static boolean hasRoom(WorkerHandle w, int depthMax) {
        int n = w.outstanding.size();
        if (n == 0) {
            w.filling = true;
            return true;
        }
        int depth = w.depth(depthMax);
        if (n >= depth || w.outstandingBytes >= SEND_AHEAD_BYTES) {
            w.filling = false;
            return false;
        }
        if (n <= depth / 2) {
            w.filling = true;
        }
        return w.filling;
    }

    /** Queues one control frame for a worker. Caller holds the lock. */
    private static void send(WorkerHandle w, Frame frame) {
        if (!w.broken) {
            w.lastRelease = null;
            w.writer.offer(frame);
        }
    }

    // ---------------------------------------------------------------- answers

    private void readLoop(WorkerHandle w, DataInputStream in) {
        try {
            while (true) {
                int length = in.readInt();
                byte type = in.readByte();
                switch (type) {
                    case Wire.OK, Wire.ERROR -> {
                        long id = in.readLong();
                        long nanos = in.readLong();
                        Object value = null;
                        Throwable failure = null;
                        if (type == Wire.OK) {
                            try {
                                value = Values.decode(in);
                            } catch (IOException e) {
                                if (e.getCause() == null && !(e instanceof java.io.ObjectStreamException)) {
                                    throw e;
                                }
                                failure = new TaskFailedException("cannot read the task's result: taskId=" + id
                                        + ", error=" + e + "; results must be serializable classes on the caller's"
                                        + " class path", id, e);
                            }
                        } else {
                            failure = readError(w, id, in);
                        }
                        int n = in.readInt();
                        List<SegmentRef> published = n == 0 ? List.of() : new ArrayList<>(n);
                        for (int i = 0; i < n; i++) {
                            published.add(Values.readRef(in));
                        }
                        answered(w, id, nanos, value, failure, published);
                    }
                    case Wire.RELEASED -> {
                        long requestId = in.readLong();
                        in.readInt();
                        CompletableFuture<Void> f;
                        lock.lock();
                        try {
                            f = w.releases.remove(requestId);
                        } finally {
                            lock.unlock();
                        }
                        if (f != null) {
                            f.complete(null);
                        }
                    }
                    default -> throw new IOException("corrupt frame from worker: type=" + type + ", length=" + length);
                }
            }
        } catch (IOException | RuntimeException e) {
            lost(w);
        }
    }

    private TaskFailedException readError(WorkerHandle w, long id, DataInputStream in) throws IOException {
        Values.Failure f = Values.readFailure(in);
        return new TaskFailedException("task failed in worker: taskId=" + id + ", worker=" + w.slot + ", pid="
                + w.pid() + ", error=" + f.summary() + "; the cause holds the worker's stack trace", id, f.cause());
    }

    private void answered(WorkerHandle w, long id, long nanos, Object value, Throwable failure,
            List<SegmentRef> published) throws IOException {
        PendingTask t;
        lock.lock();
        try {
            t = w.outstanding.poll();
            if (t == null || t.id != id) {
                throw new IOException("answer out of order: expected=" + (t == null ? "none" : t.id) + ", got=" + id);
            }
            w.outstandingBytes -= t.frame.size();
            PendingTask next = w.outstanding.peek();
            w.head = next == null ? null : new WorkerHandle.Head(next.id, System.nanoTime());
            w.recordRun(nanos);
            unfinished--;
            changed.signalAll();
            dispatch();
        } finally {
            lock.unlock();
        }
        t.future.published(published);
        complete(t, value, failure);
    }

    private static void complete(PendingTask t, Object value, Throwable failure) {
        boolean done = failure == null ? t.future.complete(value) : t.future.completeExceptionally(failure);
        if (done && t.job != null) {
            t.job.taskDone();
        }
        if (!done || failure != null) {
            t.future.discardPublished(); // cancelled meanwhile, or failed: nobody takes its results
        }
    }

    /** Fails or completes a task that leaves the pool without an answer. Caller holds the lock. */
    private void finish(PendingTask t, Object value, Throwable failure) {
        unfinished--;
        changed.signalAll();
        CompletableFuture.runAsync(() -> complete(t, value, failure), Thread::startVirtualThread);
    }

    // ---------------------------------------------------------------- deaths and timeouts

    private void lost(WorkerHandle w) {
        int exit;
        try {
            if (!w.process.waitFor(5, TimeUnit.SECONDS)) {
                w.process.destroyForcibly();
                w.process.waitFor();
            }
            exit = w.process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit = -1;
        }
        try {
            w.channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        w.writer.close();
        monitored.remove(w);
        List<CompletableFuture<Void>> releases;
        boolean replace = false;
        lock.lock();
        try {
            if (slots[w.slot] == w) {
                slots[w.slot] = null;
            }
            w.broken = true;
            w.head = null;
            w.outstandingBytes = 0;
            releases = new ArrayList<>(w.releases.values());
            w.releases.clear();
            List<PendingTask> lost = new ArrayList<>(w.outstanding);
            w.outstanding.clear();
            if (state != State.CLOSED) {
                for (int i = lost.size() - 1; i >= 1; i--) {
                    queue.addFirst(lost.get(i)); // never started: back to the head, in order
                }
                if (!lost.isEmpty()) {
                    PendingTask head = lost.getFirst();
                    if (w.timedOutTask == head.id) {
                        finish(head, null, new TaskTimeoutException("task timed out: taskId=" + head.id
                                + ", timeout=" + config.taskTimeout() + ", worker=" + w.slot + ", pid=" + w.pid()
                                + "; its worker was killed and replaced. Raise taskTimeout or split the task",
                                head.id));
                    } else if (++head.deaths > config.maxRetries()) {
                        finish(head, null, died(w, head, exit));
                    } else {
                        queue.addFirst(head);
                    }
                }
                if (!w.retiring) {
                    replace = true;
                    spawning++;
                }
                dispatch();
            }
        } finally {
            lock.unlock();
        }
        for (CompletableFuture<Void> f : releases) {
            f.complete(null); // a dead worker holds no mapping
        }
        if (replace) {
            spawn(w.slot); // outside the lock: starting a JVM takes milliseconds
        }
    }

    private WorkerDiedException died(WorkerHandle w, PendingTask t, int exit) {
        int signal = exit > 128 ? exit - 128 : 0;
        String why = switch (exit) {
            case 3 -> "it ran out of memory (workers run with -XX:+ExitOnOutOfMemoryError): give workers more"
                    + " heap with workerHeap(...) or make the task use less";
            case 137 -> "it was killed by SIGKILL (kill -9, or the kernel's out-of-memory killer)";
            default -> signal > 0 ? "it was killed by signal " + signal
                    : "the task may call System.exit or crash the JVM";
        };
        String tail = w.stderrTail();
        return new WorkerDiedException("worker died running a task: taskId=" + t.id + ", worker=" + w.slot
                + ", pid=" + w.pid() + ", exitCode=" + exit + (signal > 0 ? ", signal=" + signal : "")
                + ", runs=" + t.deaths + ", maxRetries=" + config.maxRetries() + "; " + why
                + (tail.isEmpty() ? "" : ". Worker stderr: " + tail), t.id, w.pid(), exit, signal);
    }

    /**
     * Kills the worker of a task past its timeout. Takes no lock: it reads each worker's head
     * task (volatile), so a pool lock held by anyone never delays a timeout; the death is then
     * handled by the worker's reader ({@link #lost}), which fails the timed-out task.
     */
    private void checkTimeouts() {
        long now = System.nanoTime();
        long limit = config.taskTimeout().toNanos();
        for (WorkerHandle w : monitored) {
            WorkerHandle.Head h = w.head;
            if (h != null && w.timedOutTask < 0 && now - h.startNanos() > limit) {
                w.timedOutTask = h.taskId();
                w.process.destroyForcibly(); // SIGKILL: works on a stopped process too
            }
        }
    }

    // ---------------------------------------------------------------- release

    @Override
    public CompletableFuture<Void> release(SegmentRef ref) {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        lock.lock();
        try {
            Object key = List.of(ref.name(), ref.generation());
            for (WorkerHandle w : slots) {
                if (w == null || w.broken) {
                    continue;
                }
                if (key.equals(w.lastRelease) && !w.lastReleaseFuture.isDone()) {
                    acks.add(w.lastReleaseFuture); // the same RELEASE is queued last: nothing to add
                    continue;
                }
                long requestId = requestIds.incrementAndGet();
                CompletableFuture<Void> f = new CompletableFuture<>();
                w.releases.put(requestId, f);
                acks.add(f);
                send(w, frame(Wire.RELEASE, out -> {
                    out.writeLong(requestId);
                    out.writeUTF(ref.name());
                    out.writeLong(ref.generation());
                }));
                w.lastRelease = key;
                w.lastReleaseFuture = f;
            }
        } finally {
            lock.unlock();
        }
        return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
    }

    // ---------------------------------------------------------------- facts

    @Override
    public int size() {
        return slots.length;
    }

    @Override
    public Backend backend() {
        return Backend.PROCESSES;
    }

    @Override
    public List<Long> workerPids() {
        lock.lock();
        try {
            List<Long> out = new ArrayList<>();
            for (WorkerHandle w : slots) {
                if (w != null && w.process.isAlive()) {
                    out.add(w.pid());
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- shutdown

    @Override
    public void close() {
        List<WorkerHandle> stopping = new ArrayList<>();
        lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            if (state == State.RUNNING) {
                state = State.CLOSING;
            }
            long deadline = System.nanoTime() + config.closeTimeout().toNanos();
            while (unfinished > 0 && state == State.CLOSING) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    lock.unlock(); // shutdownNow takes the lock; the finally below must not unlock again
                    try {
                        int cancelled = shutdownNow();
                        LOG.log(System.Logger.Level.WARNING, "pool close timed out: closeTimeout="
                                + config.closeTimeout() + ", cancelled=" + cancelled
                                + "; the workers were killed. Raise closeTimeout or wait for the tasks before close");
                    } finally {
                        lock.lock();
                    }
                    return;
                }
                changed.awaitNanos(left);
            }
            if (state == State.CLOSED) {
                return; // shutdownNow meanwhile
            }
            state = State.CLOSED;
            Frame shutdown = frame(Wire.SHUTDOWN, out -> { });
            for (WorkerHandle w : slots) {
                if (w != null) {
                    w.retiring = true;
                    send(w, shutdown);
                    stopping.add(w);
                }
            }
            for (WorkerHandle w : starting.values()) {
                w.retiring = true;
                w.process.destroyForcibly();
                stopping.add(w);
            }
            starting.clear();
            awaitSpawns();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdownNow();
            return;
        } finally {
            lock.unlock();
        }
        stop(stopping, 10);
    }

    @Override
    public int shutdownNow() {
        List<PendingTask> cancelled = new ArrayList<>();
        List<WorkerHandle> stopping = new ArrayList<>();
        lock.lock();
        try {
            state = State.CLOSED;
            cancelled.addAll(queue);
            queue.clear();
            for (WorkerHandle w : slots) {
                if (w != null) {
                    cancelled.addAll(w.outstanding);
                    w.outstanding.clear();
                    w.retiring = true;
                    stopping.add(w);
                }
            }
            for (WorkerHandle w : starting.values()) {
                w.retiring = true;
                stopping.add(w);
            }
            starting.clear();
            unfinished = 0;
            changed.signalAll();
            awaitSpawns();
        } finally {
            lock.unlock();
        }
        int n = 0;
        for (PendingTask t : cancelled) {
            if (t.future.cancel(false)) {
                n++;
                if (t.job != null) {
                    t.job.taskDone();
                }
            }
        }
        for (WorkerHandle w : stopping) {
            w.process.destroyForcibly();
        }
        stop(stopping, 10);
        return n;
    }

    /**
     * Waits (at most 10 s) until workers being started outside the lock are registered or gone:
     * they see the pool closed and stop themselves. Caller holds the lock.
     */
    private void awaitSpawns() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (spawning > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                changed.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Waits for the workers to exit (killing stragglers), then frees the socket and threads. */
    private void stop(List<WorkerHandle> stopping, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (WorkerHandle w : stopping) {
            try {
                long left = deadline - System.nanoTime();
                if (!w.process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                    w.process.destroyForcibly().waitFor();
                }
                if (w.recording != null) {
                    if (w.process.exitValue() == 0) {
                        launcher.installArchive(w.recording);
                    } else {
                        Files.deleteIfExists(w.recording);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                w.process.destroyForcibly();
            } catch (IOException e) {
                // a leftover temporary archive is harmless
            }
        }
        if (monitor != null) {
            monitor.shutdownNow();
        }
        try {
            // Workers halt, so their shutdown hooks never run: reclaim what they owned (segments
            // scoped to a worker, temporary files of creations they did not finish).
            io.shm4j.segment.ShmDirectory.current().gc(false);
        } catch (RuntimeException e) {
            // the next pool start or `shm4j gc` does it
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            acceptor.join(2000);
            Files.deleteIfExists(socketPath);
            Files.deleteIfExists(socketDir);
        } catch (IOException | InterruptedException e) {
            // a stale socket directory is removed by the next pool start
        }
    }

    /**
     * Removes socket directories of pools whose process is gone (after a kill -9). The temp dir
     * is shared and hostile: only a real directory (never a link) owned by this user is touched,
     * its owner judged by the one liveness check (a pool in another pid namespace is left alone),
     * and only its socket is removed before the directory itself.
     */
    private static void removeStaleSocketDirs() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, "shm4j-pool-*")) {
            for (Path d : ds) {
                String[] p = d.getFileName().toString().split("-");
                try {
                    java.nio.file.attribute.PosixFileAttributes a = Files.readAttributes(d,
                            java.nio.file.attribute.PosixFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                    if (!a.isDirectory() || !Integer.valueOf(io.shm4j.segment.internal.Native.geteuid())
                            .equals(Files.getAttribute(d, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                        continue; // a link, a file, or another user's: not ours to touch
                    }
                    long pidns = p.length >= 6 && p[4].startsWith("ns") ? Long.parseLong(p[4].substring(2)) : 0;
                    if (p.length >= 4 && !new ProcessIdentity(Long.parseLong(p[2]), Long.parseLong(p[3])).mayBeAlive(pidns)) {
                        Path socket = d.resolve("s");
                        if (!Files.isDirectory(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                            Files.deleteIfExists(socket); // unlinks a link itself, never what it points to
                        }
                        Files.deleteIfExists(d);
                    }
                } catch (NumberFormatException | IOException e) {
                    // not ours, or in use
                }
            }
        } catch (IOException e) {
            // nothing to clean
        }
    }

    // ---------------------------------------------------------------- frames

    private interface BodyWriter {
        void write(DataOutputStream out) throws IOException;
    }

    private static Frame frame(byte type, BodyWriter body) {
        Frame.Output bytes = new Frame.Output();
        DataOutputStream out = new DataOutputStream(bytes);
        try {
            out.writeByte(type);
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new PoolException("cannot encode a frame: type=" + type + ", error=" + e, e);
        }
        return bytes.finish();
    }

    private static Frame taskFrame(long id, int fnId, BodyWriter payload) {
        return frame(Wire.TASK, out -> {
            out.writeLong(id);
            out.writeInt(fnId);
            payload.write(out);
        });
    }

    @Override
    public String toString() {
        return "WorkerPool[backend=processes, workers=" + slots.length + ", socket=" + socketPath + "]";
    }
}
