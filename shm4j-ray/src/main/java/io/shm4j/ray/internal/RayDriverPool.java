package io.shm4j.ray.internal;

import io.shm4j.pool.Backend;
import io.shm4j.pool.PoolClosedException;
import io.shm4j.pool.PoolException;
import io.shm4j.pool.SerializableFunction;
import io.shm4j.pool.Task;
import io.shm4j.pool.TaskFailedException;
import io.shm4j.pool.TaskTimeoutException;
import io.shm4j.pool.WorkerDiedException;
import io.shm4j.pool.internal.AbstractPool;
import io.shm4j.pool.internal.Job;
import io.shm4j.pool.internal.PoolConfig;
import io.shm4j.pool.internal.RemoteTasks;
import io.shm4j.pool.internal.TaskFuture;
import io.shm4j.ray.RayNodeLostException;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.ShmOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Ray backend: tasks and batches of items become calls of {@link RayEntry#run}, at most
 * {@code workers} in flight (the pool's size is its share of the cluster). A batch operation
 * packs several items into one call to amortize Ray's per-task cost (one item per call when a
 * task timeout is set). A function travels inline with each call when small, else is
 * {@code Ray.put} once per batch operation; each worker JVM deserializes it once.
 *
 * <p>Thread-safe: any thread may submit; calls are submitted and answered on the connection's
 * Ray thread, where futures complete (keep dependent actions short).
 *
 * <p>Ownership: the pool owns a small control segment (its cancellations) that
 * {@link #close()} removes; results published by tasks belong to the caller, as in the other
 * backends. Closing the pool does not end the JVM's connection to Ray.
 */
final class RayDriverPool extends AbstractPool {
    private static final int MAX_ITEMS_PER_CALL = 64;
    private static final int MAX_RELEASES = 64;
    /**
     * A function up to this size travels inline in each call (Ray inlines small arguments in the
     * task spec); a larger one is {@code Ray.put} once per batch operation and passed by ref.
     */
    private static final int INLINE_FN_BYTES = 64 * 1024;
    private static final AtomicInteger POOLS = new AtomicInteger();

    /** One task of a call: its id, payload, future and batch job. */
    record Item(long taskId, byte[] payload, TaskFuture<Object> future) {}

    /** A call of {@link RayEntry#run}: a function (0: the items are tasks) and its items. */
    static final class Call {
        final FnHandle fn;
        final List<Item> items;
        int slot = -1;
        int deaths;
        Map<String, Double> resources = Map.of(); // asked by the last submission
        long parkedSince;

        Call(FnHandle fn, List<Item> items) {
            this.fn = fn;
            this.items = items;
        }
    }

    /** A registered function, put into Ray on first use. */
    static final class FnHandle implements Fn {
        final int id;
        final byte[] bytes;
        Object ref; // an io.ray.api.ObjectRef, on the Ray thread only

        FnHandle(int id, byte[] bytes) {
            this.id = id;
            this.bytes = bytes;
        }
    }

    private record Released(String name, long generation) {}

    final Map<String, Double> resources;
    private final Map<String, Double> preferred; // asked too while a node alive has them
    private final Map<String, Double> withPreferred;
    private final long answerMarginMillis;
    private final long cacheBytes;
    private final int chunkBytes;
    private final RayConnection connection;
    private final String poolId;
    private final Segment control;
    private final AtomicLong taskIds = new AtomicLong();
    private final AtomicInteger fnIds = new AtomicInteger();
    private final java.util.concurrent.ConcurrentLinkedDeque<Call> backlog = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final Set<TaskFuture<Object>> unfinished = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.CopyOnWriteArrayList<Released> releases =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final Set<Long> pids = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
    private final BitSet busySlots = new BitSet(); // on the Ray thread only
    private final AtomicInteger callsInFlight = new AtomicInteger(); // submitted, not yet answered or given up
    private final List<Call> parked = new ArrayList<>(); // calls whose node died, on the Ray thread only
    private final ProcessIdentity caller = ProcessIdentity.current();

    RayDriverPool(PoolConfig config, RayConnection connection, Map<String, Double> resources,
            Map<String, Double> preferred, long answerMarginMillis, long cacheBytes, int chunkBytes) {
        super(config);
        this.preferred = Map.copyOf(preferred);
        Map<String, Double> both = new java.util.LinkedHashMap<>(resources);
        preferred.forEach((k, v) -> both.merge(k, v, Math::max));
        this.withPreferred = Map.copyOf(both);
        this.answerMarginMillis = answerMarginMillis;
        this.cacheBytes = cacheBytes;
        this.chunkBytes = chunkBytes;
        this.connection = connection;
        this.resources = Map.copyOf(resources);
        this.poolId = ProcessHandle.current().pid() + "-" + POOLS.incrementAndGet();
        this.control = Segment.create(ShmOptions.defaults().asMutable(), 64);
        connection.attach(this);
    }

    // ---------------------------------------------------------------- submission

    @Override
    public <R> CompletableFuture<R> submit(Task<R> task) {
        java.util.Objects.requireNonNull(task, "task");
        byte[] bytes = RemoteTasks.encodeTask(task);
        Item item = newItem(bytes, null);
        backlog.add(new Call(null, List.of(item)));
        connection.wake();
        @SuppressWarnings("unchecked")
        CompletableFuture<R> f = (CompletableFuture<R>) (CompletableFuture<?>) item.future();
        return f;
    }

    private Item newItem(byte[] payload, Job job) {
        TaskFuture<Object> f = new TaskFuture<>();
        unfinished.add(f);
        if (closed.get()) {
            unfinished.remove(f);
            throw new PoolClosedException("pool is closed: backend=ray; create a new pool");
        }
        f.whenComplete((v, e) -> {
            unfinished.remove(f);
            if (job != null && job.tracked()) {
                job.taskDone();
            }
        });
        return new Item(taskIds.incrementAndGet(), payload, f);
    }

    @Override
    protected Fn register(SerializableFunction<?, ?> fn) {
        return new FnHandle(fnIds.incrementAndGet(), RemoteTasks.encodeFunction(fn));
    }

    @Override
    protected void unregister(Fn fn) {
        // the put function is freed by Ray when its last ref goes; workers keep a bounded cache
    }

    @Override
    protected List<CompletableFuture<Object>> apply(Fn fn, List<?> items, Job job) {
        FnHandle h = (FnHandle) fn;
        int perCall = config.taskTimeout() != null ? 1
                : Math.clamp((items.size() + 2L * config.workers() - 1) / (2L * config.workers()), 1, MAX_ITEMS_PER_CALL);
        List<CompletableFuture<Object>> out = new ArrayList<>(items.size());
        List<Item> batch = new ArrayList<>(perCall);
        for (Object o : items) {
            Item it = newItem(RemoteTasks.encodeItem(o), job);
            out.add(it.future());
            batch.add(it);
            if (batch.size() == perCall) {
                backlog.add(new Call(h, batch));
                batch = new ArrayList<>(perCall);
            }
        }
        if (!batch.isEmpty()) {
            backlog.add(new Call(h, batch));
        }
        connection.wake();
        return out;
    }

    // ---------------------------------------------------------------- on the Ray thread

    /** Submits backlog calls while slots are free. */
    void pump(RayConnection c) {
        for (var it = parked.iterator(); it.hasNext(); ) { // calls whose node died: once the node table says so
            Call call = it.next();
            if (!c.deadWith(call.resources).isEmpty() || System.nanoTime() - call.parkedSince > PARK_NANOS) {
                it.remove();
                backlog.addFirst(call);
            }
        }
        while (!backlog.isEmpty() && busySlots.cardinality() < config.workers()) {
            Call call = backlog.poll();
            if (call == null) {
                return;
            }
            if (call.items.stream().allMatch(i -> i.future().isDone())) {
                continue; // cancelled before it went out
            }
            Map<String, Double> asked = resources;
            if (!preferred.isEmpty() && c.anyAlive(withPreferred)) {
                asked = withPreferred; // soft: asked while a node alive has them
            }
            // not to a node known lost (Ray would keep the call pending): a retry reads the table
            List<RayApi.Node> lost = call.deaths > 0 ? c.lostFor(asked) : c.lostByLastTable(asked);
            if (!lost.isEmpty()) {
                failLost(call, lost);
                continue;
            }
            call.slot = busySlots.nextClearBit(0);
            busySlots.set(call.slot);
            callsInFlight.incrementAndGet();
            try {
                Object fn;
                if (call.fn == null) {
                    fn = new byte[0];
                } else {
                    if (call.fn.bytes.length <= INLINE_FN_BYTES) {
                        fn = call.fn.bytes; // inline in the task spec: no object store round trip per batch
                    } else {
                        if (call.fn.ref == null) {
                            call.fn.ref = c.ray.put(call.fn.bytes);
                        }
                        fn = call.fn.ref;
                    }
                }
                long deadline = config.taskTimeout() == null ? 0 : System.nanoTime()
                        + (config.taskTimeout().toMillis() * call.items.size() + answerMarginMillis) * 1_000_000L;
                call.resources = asked;
                c.submit(this, call, header(call), fn, payload(call), asked, deadline);
            } catch (RuntimeException e) {
                failed(call, e);
            }
        }
    }

    private byte[] header(Call call) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(b)) {
            out.writeByte(1);
            out.writeLong(caller.pid());
            out.writeLong(caller.startTicks());
            out.writeUTF(connection.nodeKey);
            out.writeUTF(connection.nodeAddress);
            out.writeLong(cacheBytes);
            out.writeInt(chunkBytes);
            out.writeUTF(poolId);
            out.writeInt(call.fn == null ? 0 : call.fn.id);
            out.writeInt(call.slot);
            out.writeLong(config.taskTimeout() == null ? 0 : Math.max(1, config.taskTimeout().toMillis()));
            out.writeUTF(control.name());
            out.writeLong(config.sweepInterval().toMillis());
            List<Released> rs = List.copyOf(releases);
            out.writeInt(rs.size());
            for (Released r : rs) {
                out.writeUTF(r.name());
                out.writeLong(r.generation());
            }
            out.writeInt(call.items.size());
            for (Item i : call.items) {
                out.writeLong(i.taskId());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    private static byte[] payload(Call call) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(call.items.stream().mapToInt(i -> i.payload().length + 4).sum());
        try (DataOutputStream out = new DataOutputStream(b)) {
            for (Item i : call.items) {
                out.writeInt(i.payload().length);
                out.write(i.payload());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /**
     * Completes the futures of a call from its answers. Results published on another node (the
     * answers' node address is not empty) are brought back first ({@link RemoteResult}).
     */
    void answered(Call call, byte[] answers) {
        freeSlot(call);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(answers));
        List<Object> decoded = new ArrayList<>(call.items.size()); // an Answer, or the failure to read it
        String node;
        try {
            for (int i = 0; i < call.items.size(); i++) {
                try {
                    decoded.add(RemoteTasks.decodeAnswer(in.readNBytes(in.readInt())));
                } catch (RuntimeException e) {
                    decoded.add(e);
                }
            }
            node = in.readUTF();
        } catch (IOException e) {
            while (decoded.size() < call.items.size()) {
                decoded.add(e);
            }
            node = "";
        }
        for (int i = 0; i < call.items.size(); i++) {
            Item item = call.items.get(i);
            if (!(decoded.get(i) instanceof RemoteTasks.Answer a)) {
                item.future().completeExceptionally(new PoolException("cannot read the answer of a Ray task: taskId="
                        + item.taskId() + ", error=" + decoded.get(i) + "; the driver and the workers must run the same"
                        + " jars", (Throwable) decoded.get(i)));
                continue;
            }
            pids.remove(a.pid());
            pids.add(a.pid());
            TaskFuture<Object> f = item.future();
            boolean remote = !node.isEmpty() && !a.published().isEmpty();
            if (a.failure() == null && !node.isEmpty() && a.value() instanceof io.shm4j.store.ObjectRef<?> o) {
                if (remote) {
                    RemoteResult.discard(connection, node, a.published());
                }
                f.completeExceptionally(new TaskFailedException("task failed: taskId=" + a.taskId() + ", backend=ray,"
                        + " error=it returned an object of a store on another node than the driver's (node=" + node
                        + ", object=" + o.name() + "); object stores are per node: publish an array, frame or segment"
                        + " with ctx.publishResult (it is brought back), or keep the pool on the driver's node"
                        + " (RayPool.resources)", a.taskId(), new UnsupportedOperationException(
                                "ctx.putResult on another node than the driver's: node=" + node)));
                continue;
            }
            if (a.failure() == null) {
                if (remote && !f.isDone()) {
                    RemoteResult.start(connection, node, chunkBytes, a, f);
                } else if (remote) {
                    RemoteResult.discard(connection, node, a.published()); // cancelled meanwhile
                } else {
                    f.published(a.published());
                    if (!f.complete(a.value())) {
                        f.discardPublished(); // cancelled meanwhile: nobody takes its results
                    }
                }
            } else {
                if (remote) {
                    RemoteResult.discard(connection, node, a.published());
                } else {
                    RemoteTasks.discard(a.published());
                }
                Throwable t = a.failure();
                if (t instanceof TaskTimeoutException || t instanceof CancellationException) {
                    f.completeExceptionally(t);
                } else {
                    f.completeExceptionally(new TaskFailedException("task failed in worker: taskId=" + a.taskId()
                            + ", worker=" + call.slot + ", pid=" + a.pid() + ", backend=ray, error=" + a.error()
                            + "; the cause holds the worker's stack trace", a.taskId(), t));
                }
            }
        }
    }

    /** Ray's {@code ErrorType} NODE_DIED: the node running the task died. */
    static final int NODE_DIED = 23;
    /** Ray's {@code ErrorType} OUT_OF_MEMORY: Ray's memory monitor killed the worker (the host's memory ran short). */
    static final int OUT_OF_MEMORY = 22;
    /** Ray's {@code ErrorType} LOCAL_RAYLET_DIED. */
    static final int LOCAL_RAYLET_DIED = 15;
    /** How long a call whose node died waits for the node table to say so before it runs again. */
    private static final long PARK_NANOS = 30_000_000_000L;

    /**
     * Ray's error type of a failed task ({@code ErrorType} in Ray's {@code common.proto}), or -1.
     * Ray 2.58's Java API does not know the newer types (NODE_DIED among them): it throws
     * {@code IllegalArgumentException("Unrecognized metadata [50, 51]")}, the type's digits in ASCII.
     */
    static int rayErrorType(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof IllegalArgumentException && m != null && m.startsWith("Unrecognized metadata [")
                    && m.indexOf(']') > 0) {
                try {
                    StringBuilder digits = new StringBuilder();
                    for (String b : m.substring(m.indexOf('[') + 1, m.indexOf(']')).split(",")) {
                        digits.append((char) Integer.parseInt(b.trim()));
                    }
                    return Integer.parseInt(digits.toString());
                } catch (RuntimeException notANumber) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** Frees the call's slot, if it holds one; on the Ray thread. */
    private void freeSlot(Call call) {
        if (call.slot >= 0) {
            busySlots.clear(call.slot);
            call.slot = -1;
            callsInFlight.decrementAndGet();
        }
    }

    /**
     * Fails the futures of a call that Ray could not run, or runs it again if its worker or node
     * died and retries are left. After a node's death the call waits until the node table says so
     * (at most 30 s; on the Ray thread, {@link #pump}), so that it does not go to that node again.
     */
    void failed(Call call, Throwable e) {
        freeSlot(call);
        String name = e.getClass().getSimpleName();
        int type = rayErrorType(e);
        boolean nodeDied = type == NODE_DIED || type == LOCAL_RAYLET_DIED;
        boolean died = nodeDied || type == OUT_OF_MEMORY || name.contains("Worker") || name.contains("Actor") || name.contains("Unreconstructable");
        if (died && call.deaths < config.maxRetries() && !closed.get()) {
            call.deaths++;
            if (nodeDied) {
                call.parkedSince = System.nanoTime();
                parked.add(call);
            } else {
                backlog.addFirst(call); // run again, on whichever worker Ray picks
            }
            return;
        }
        if (nodeDied) {
            failLost(call, connection.deadWith(call.resources));
            return;
        }
        for (Item item : call.items) {
            item.future().completeExceptionally(died
                    ? new WorkerDiedException("the Ray worker running the task died: taskId=" + item.taskId()
                            + ", runs=" + (call.deaths + 1) + ", maxRetries=" + config.maxRetries() + ", error=" + e
                            + (type == OUT_OF_MEMORY ? " (Ray's OUT_OF_MEMORY: its memory monitor killed the worker;"
                                    + " the host's memory ran short)" : "")
                            + "; see the Ray worker's log under the session's logs directory", item.taskId(), -1, -1, 0)
                    : new PoolException("Ray could not run the task: taskId=" + item.taskId() + ", error=" + e
                            + "; check `ray status` and the Ray logs", e));
        }
    }

    /**
     * The nodes that could run a call are lost (the connection dropped its ref): a death of the
     * call. It runs again while retries are left and a node alive has the pool's resources (not
     * asking the preferred ones any more if no node alive has them); else its futures fail with
     * {@link RayNodeLostException}.
     */
    void lost(Call call, List<RayApi.Node> nodes) {
        freeSlot(call);
        if (call.deaths < config.maxRetries() && !closed.get() && connection.lostFor(resources).isEmpty()) {
            call.deaths++;
            backlog.addFirst(call);
            return;
        }
        failLost(call, nodes);
    }

    private void failLost(Call call, List<RayApi.Node> nodes) {
        freeSlot(call);
        boolean nowhere = !connection.lostFor(resources).isEmpty();
        for (Item item : call.items) {
            item.future().completeExceptionally(new RayNodeLostException("the Ray node that could run the task is"
                    + " lost: taskId=" + item.taskId() + ", nodes=" + nodes + ", resources=" + call.resources
                    + ", runs=" + (call.deaths + 1) + ", maxRetries=" + config.maxRetries() + (nowhere
                            ? "; no node alive has the resources the pool asks (ray.resources): restart that node,"
                                    + " or ask for resources of a node alive (RayPool.preferResources for a"
                                    + " preference that falls back)"
                            : "; raise maxRetries to run it again on another node"),
                    item.taskId(), nodes.stream().map(RayApi.Node::address).distinct().toList()));
        }
    }

    /** A call without an answer by its deadline (taskTimeout + margin; the connection dropped its ref). */
    void overdue(Call call, long waitedMillis) {
        freeSlot(call);
        for (Item item : call.items) {
            item.future().completeExceptionally(new TaskTimeoutException("no answer from Ray within the task timeout"
                    + " plus a margin: taskId=" + item.taskId() + ", taskTimeout=" + config.taskTimeout()
                    + ", marginMillis=" + answerMarginMillis + ", waitedMillis=" + waitedMillis + ", resources="
                    + call.resources + ", backend=ray; the call never started or its node stopped answering"
                    + " (no node has the free resources it asks?): check `ray status`", item.taskId()));
        }
    }

    // ---------------------------------------------------------------- the rest of the contract

    @Override
    public CompletableFuture<Void> release(SegmentRef ref) {
        releases.add(new Released(ref.name(), ref.generation()));
        while (releases.size() > MAX_RELEASES) {
            releases.remove(0);
        }
        List<CompletableFuture<Object>> running = List.copyOf(unfinished);
        return CompletableFuture.allOf(running.stream().map(f -> f.handle((v, e) -> null))
                .toArray(CompletableFuture[]::new));
    }

    @Override
    public int size() {
        return config.workers();
    }

    @Override
    public Backend backend() {
        return Backend.RAY;
    }

    @Override
    public List<Long> workerPids() {
        List<Long> out;
        synchronized (pids) {
            out = new ArrayList<>(pids);
        }
        java.util.Collections.reverse(out); // the latest first
        return out.stream().filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).toList();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            finish();
            return;
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(unfinished.stream().map(f -> f.handle((v, e) -> null))
                .toArray(CompletableFuture[]::new));
        try {
            all.get(config.closeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            int cancelled = shutdownNow();
            System.getLogger("io.shm4j.ray").log(System.Logger.Level.WARNING, "pool close timed out: closeTimeout="
                    + config.closeTimeout() + ", cancelled=" + cancelled + ", backend=ray; raise closeTimeout or"
                    + " wait for the tasks before close");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdownNow();
        } catch (java.util.concurrent.ExecutionException e) {
            // futures with failures are done: nothing to wait for
        }
        // Calls of cancelled futures (a failed map) may still run: wait for their answers, so that
        // what they published is removed before close returns.
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        while (callsInFlight.get() > 0 && System.nanoTime() - deadline < 0 && !connection.onRayThread()) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
        }
        finish();
    }

    @Override
    public int shutdownNow() {
        closed.set(true);
        if (!finished.get()) {
            control.memory().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, taskIds.get() + 1); // every task so far
        }
        backlog.clear();
        int n = 0;
        for (TaskFuture<Object> f : List.copyOf(unfinished)) {
            if (f.cancel(false)) {
                n++;
            }
        }
        finish();
        return n;
    }

    private void finish() {
        if (finished.compareAndSet(false, true)) {
            connection.detach(this);
            control.close(); // owning: removes the name; workers treat a missing control as "cancelled"
        }
    }

    @Override
    public String toString() {
        return "WorkerPool[backend=ray, address=" + connection.address + ", workers=" + config.workers()
                + (closed.get() ? ", closed" : "") + "]";
    }
}
