package io.shm4j.bench.workload;

import io.shm4j.bench.BenchOptions;
import io.shm4j.bench.Measurement;
import io.shm4j.bench.WorkerMemory;
import io.shm4j.frame.DoubleColumn;
import io.shm4j.frame.SharedFrame;
import io.shm4j.frame.StringColumn;
import io.shm4j.frame.TimestampColumn;
import io.shm4j.pool.Backend;
import io.shm4j.pool.RowChunk;
import io.shm4j.pool.SerializableFunction;
import io.shm4j.pool.TaskContext;
import io.shm4j.pool.WorkerPool;
import io.shm4j.segment.SegmentRef;
import io.shm4j.store.ObjectRef;
import io.shm4j.store.ObjectStore;
import io.shm4j.store.ObjectStoreConfig;
import io.shm4j.store.ObjectStoreException;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import io.shm4j.pool.Task;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Workloads C and D: 10 million × factor records (date: timestamp[ns], 2020-01-01 +
 * i % 3650 days; value: float64, NaN for even i, (i % 1000) · 0.25 for odd i; name: utf8
 * {@code r000}…{@code r999} by i % 1000 — the records bench.py builds) in a
 * {@link SharedFrame} (an Arrow IPC file in shared memory).
 *
 * <p><b>C</b> — nansum of the value column in every worker (each worker the whole column), each
 * worker's memory read from {@code /proc/PID/smaps_rollup} before the first run and after the
 * last: {@code shm4j-processes} (the frame's ref; each worker maps it once), {@code serialization}
 * (the records sent to each worker as Java arrays), {@code single-process} (the caller's nansum
 * over the frame, the baseline), {@code data-handler} (one process owns the records on its heap
 * and answers slice requests over a socket: {@link DataHandler}).
 *
 * <p><b>D</b> — the same records as an Arrow frame shared with workers: {@code shm4j-processes}
 * with one row chunk per task ({@code mapRows} over the frame's ref) and with the whole column
 * in every worker (the same task as Python's D), {@code objectstore} (the frame put in the
 * object store, tasks get it by ref; when the store has a frame codec), and
 * {@code single-process}.
 */
final class Records implements Workload {
    static final long T0 = 1_577_836_800_000_000_000L; // 2020-01-01T00:00:00Z in ns
    static final long DAY = 86_400_000_000_000L;
    private static final String[] NAMES = new String[1000];

    static {
        for (int i = 0; i < NAMES.length; i++) {
            NAMES[i] = String.format("r%03d", i);
        }
    }

    private final boolean arrowWorkload;

    Records(boolean arrowWorkload) {
        this.arrowWorkload = arrowWorkload;
    }

    @Override
    public String name() {
        return arrowWorkload ? "D" : "C";
    }

    static long records(double factor) {
        return Math.max(16, Math.round(10_000_000 * factor));
    }

    /** The exact nansum: (i % 1000) · 0.25 over odd i below n. */
    static double expected(long n) {
        long full = n / 1000;
        long rest = n % 1000;
        return (full * 250_000 + (rest / 2) * (rest / 2)) * 0.25;
    }

    @Override
    public int plannedRuns(BenchOptions o) {
        return 4 * (o.warmup() + o.reps());
    }

    /** Builds the records straight into a new frame segment. */
    static SharedFrame build(long n) {
        return SharedFrame.builder(n)
                .addTimestamps("date", null, i -> T0 + (i % 3650) * DAY, null)
                .addDoubles("value", i -> (i & 1) == 0 ? Double.NaN : (i % 1000) * 0.25, null)
                .addStrings("name", i -> NAMES[(int) (i % 1000)])
                .build();
    }

    @Override
    public List<Measurement> run(RunContext ctx) {
        long n = records(ctx.options().factor());
        long t0 = System.nanoTime();
        try (SharedFrame frame = build(n)) {
            double data = RunContext.since(t0);
            double want = expected(n);
            if (arrowWorkload) {
                ctx.strategy("shm4j-processes", "shared", () -> rowChunks(ctx, frame, n, want, data));
            }
            ctx.strategy("shm4j-processes", "shared", () -> wholeColumn(ctx, frame, want, data));
            if (arrowWorkload) {
                ctx.strategy("objectstore", "shared", () -> objectStore(ctx, frame, want, data));
            } else {
                ctx.strategy("serialization", "copied", () -> serialization(ctx, frame, want, data));
                ctx.strategy("data-handler", "copied", () -> dataHandler(ctx, n, want));
            }
            ctx.strategy("single-process", "baseline", () -> {
                DoubleColumn col = frame.doubles("value");
                RunContext.Timed timed = ctx.time("single-process", col::nansum, got -> RunContext.exact(got, want));
                ctx.add("java", "single-process", "nansum of the frame's column", timed,
                        RunContext.setup(Measurement.DATA, data), Map.of(), "baseline");
            });
        }
        return ctx.results();
    }

    // ---------------------------------------------------------------- strategies

    private void wholeColumn(RunContext ctx, SharedFrame frame, double want, double data) throws Exception {
        SegmentRef ref = frame.ref();
        runInEveryWorker(ctx, "shm4j-processes", "tasks=" + ctx.workers() + ", whole column per worker",
                Records::nansumShared, ref, want, RunContext.setup(Measurement.DATA, data), "shared");
    }

    private void serialization(RunContext ctx, SharedFrame frame, double want, double data) throws Exception {
        long t0 = System.nanoTime();
        RecordArrays records = RecordArrays.of(frame);
        double copy = RunContext.since(t0);
        runInEveryWorker(ctx, "serialization", "tasks=" + ctx.workers() + ", records as Java arrays",
                Records::nansumCopy, records, want, RunContext.setup(Measurement.DATA, data, Measurement.PUT, copy),
                "copied");
    }

    /**
     * The data-handler pattern: one process owns the records on its heap and answers slice
     * requests over a socket; every worker asks for the whole column, 1M rows at a time.
     */
    private void dataHandler(RunContext ctx, long n, double want) throws Exception {
        long t0 = System.nanoTime();
        try (DataHandler.Server server = DataHandler.Server.start(n)) {
            double start = RunContext.since(t0);
            runInEveryWorker(ctx, "data-handler", "tasks=" + ctx.workers() + ", slices of " + DataHandler.CHUNK
                    + " rows over a socket", DataHandler::nansum, server.socket(), want,
                    RunContext.setup(Measurement.DATA, start), "copied");
        }
    }

    private void objectStore(RunContext ctx, SharedFrame frame, double want, double data) throws Exception {
        String storeName = "shm4j-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000;
        try (ObjectStore store = ObjectStore.open(ObjectStoreConfig.named(storeName)
                .withCapacity(frame.byteSize() + (64L << 20)))) {
            long t0 = System.nanoTime();
            ObjectRef<SharedFrame> ref;
            try {
                ref = store.put(frame);
            } catch (ObjectStoreException e) {
                ctx.progress().say("shm4j bench: D/objectstore skipped: this build's object store has no frame codec ("
                        + e.getMessage() + ")");
                for (int i = 0; i < ctx.options().warmup() + ctx.options().reps(); i++) {
                    ctx.progress().step();
                }
                return;
            }
            double put = RunContext.since(t0);
            runInEveryWorker(ctx, "objectstore", "tasks=" + ctx.workers() + ", whole column per worker",
                    Records::nansumFromStore, ref, want,
                    RunContext.setup(Measurement.DATA, data, Measurement.PUT, put), "shared");
        }
    }

    private void rowChunks(RunContext ctx, SharedFrame frame, long n, double want, double data) throws Exception {
        RunContext.StartedPool started = ctx.startPool(Backend.PROCESSES);
        try (WorkerPool pool = started.pool()) {
            List<WorkerMemory> before = WorkerMemory.of(pool.workerPids());
            int parts = ctx.workers();
            RunContext.Timed timed = ctx.time("shm4j-processes row chunks",
                    () -> ArraySum.total(pool.mapRows(frame.ref(), n, parts, Records::nansumChunk)),
                    got -> RunContext.exact(got, want));
            List<WorkerMemory> after = WorkerMemory.of(pool.workerPids());
            Map<String, Double> setup = RunContext.setup(Measurement.POOL_START, started.seconds(), Measurement.DATA,
                    data);
            ctx.add("java", "shm4j-processes", "row chunks=" + parts, timed, setup, WorkerMemory.summary(before, after),
                    "shared");
            pool.release(frame.ref()).join();
        }
    }

    /**
     * One task per worker, each computing the whole nansum: as many tasks as workers, submitted
     * together (the pool gives each idle worker one; a submitted task carries its captured
     * values, so a copied item is serialized once per worker). Memory of every worker is read
     * before the first run and after the last.
     */
    private <T> void runInEveryWorker(RunContext ctx, String name, String variant, SerializableFunction<T, Double> fn,
            T item, double want, Map<String, Double> setup, String family) throws Exception {
        RunContext.StartedPool started = ctx.startPool(Backend.PROCESSES);
        try (WorkerPool pool = started.pool()) {
            List<WorkerMemory> before = WorkerMemory.of(pool.workerPids());
            Task<Double> task = c -> fn.apply(item);
            RunContext.Timed timed = ctx.time(name, () -> {
                List<CompletableFuture<Double>> futures = new ArrayList<>();
                for (int i = 0; i < ctx.workers(); i++) {
                    futures.add(pool.submit(task));
                }
                List<Double> sums = new ArrayList<>();
                for (CompletableFuture<Double> f : futures) {
                    sums.add(f.get());
                }
                return sums;
            }, sums -> {
                for (double s : sums) {
                    String v = RunContext.exact(s, want);
                    if (!v.equals("ok")) {
                        return v;
                    }
                }
                return "ok";
            }, r -> { });
            List<WorkerMemory> after = WorkerMemory.of(pool.workerPids());
            Map<String, Double> s = new java.util.LinkedHashMap<>(setup);
            s.put(Measurement.POOL_START, started.seconds());
            ctx.add("java", name, variant, timed, s, WorkerMemory.summary(before, after), family);
            if (item instanceof SegmentRef ref) {
                pool.release(ref).join();
            }
        }
    }

    // ---------------------------------------------------------------- what the tasks run

    /** The whole column's nansum over the worker's cached mapping of the frame. */
    static Double nansumShared(SegmentRef ref) {
        // The worker's cached frame (mapped and parsed once per worker); the cache owns it.
        return TaskContext.current().frame(ref).doubles("value").nansum();
    }

    /** The chunk's nansum over the worker's cached mapping of the frame. */
    static Double nansumChunk(RowChunk chunk, TaskContext ctx) {
        return ctx.frame(chunk.ref()).doubles("value").slice(chunk.start(), chunk.end()).nansum();
    }

    /** The nansum of records that travelled as Java arrays. */
    static Double nansumCopy(RecordArrays records) {
        double s0 = 0;
        double s1 = 0;
        double[] v = records.value();
        int i = 0;
        for (; i + 1 < v.length; i += 2) {
            s0 += v[i] == v[i] ? v[i] : 0.0;
            s1 += v[i + 1] == v[i + 1] ? v[i + 1] : 0.0;
        }
        for (; i < v.length; i++) {
            s0 += v[i] == v[i] ? v[i] : 0.0;
        }
        return s0 + s1;
    }

    /** The frame from the worker's store handle (opened once per worker), nansum in place. */
    static Double nansumFromStore(ObjectRef<SharedFrame> ref) {
        ObjectStore store = WORKER_STORES.computeIfAbsent(ref.store(), ObjectStore::open);
        return store.get(ref).doubles("value").nansum();
    }

    private static final ConcurrentHashMap<String, ObjectStore> WORKER_STORES = new ConcurrentHashMap<>();

    /**
     * The records as plain Java arrays, what travels when the data is copied: dates (ns), values,
     * and the names as UTF-8 bytes with offsets (as Arrow lays them out, so the copy is as cheap
     * as Java serialization of the records can be).
     *
     * @param date epoch nanoseconds
     * @param value the float column
     * @param nameBytes the names' UTF-8 bytes, back to back
     * @param nameOffsets where each name starts in {@code nameBytes}, plus the end
     */
    record RecordArrays(long[] date, double[] value, byte[] nameBytes, int[] nameOffsets) implements Serializable {
        /** The records built on the heap, as the data handler owns them. */
        static RecordArrays build(int n) {
            long[] date = new long[n];
            double[] value = new double[n];
            int[] offsets = new int[n + 1];
            byte[] bytes = new byte[n * 4];
            for (int i = 0; i < n; i++) {
                date[i] = T0 + (i % 3650) * DAY;
                value[i] = (i & 1) == 0 ? Double.NaN : (i % 1000) * 0.25;
                byte[] name = NAMES[i % 1000].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                System.arraycopy(name, 0, bytes, i * 4, 4);
                offsets[i + 1] = (i + 1) * 4;
            }
            return new RecordArrays(date, value, bytes, offsets);
        }

        static RecordArrays of(SharedFrame f) {
            int n = Math.toIntExact(f.rowCount());
            TimestampColumn d = f.timestamps("date");
            long[] date = new long[n];
            for (int i = 0; i < n; i++) {
                date[i] = d.raw(i);
            }
            double[] value = f.doubles("value").toArray();
            StringColumn s = f.strings("name");
            int[] offsets = new int[n + 1];
            long total = 0;
            for (int i = 0; i < n; i++) {
                total += s.utf8(i).byteSize();
                offsets[i + 1] = Math.toIntExact(total);
            }
            byte[] bytes = new byte[Math.toIntExact(total)];
            for (int i = 0; i < n; i++) {
                MemorySegment u = s.utf8(i);
                MemorySegment.copy(u, ValueLayout.JAVA_BYTE, 0, bytes, offsets[i], (int) u.byteSize());
            }
            return new RecordArrays(date, value, bytes, offsets);
        }
    }
}
