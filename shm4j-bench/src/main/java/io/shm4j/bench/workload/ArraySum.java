package io.shm4j.bench.workload;

import io.shm4j.segment.ShmOptions;
import io.shm4j.array.SharedArray;
import io.shm4j.bench.BenchOptions;
import io.shm4j.bench.Measurement;
import io.shm4j.pool.Backend;
import io.shm4j.pool.RowChunk;
import io.shm4j.pool.TaskContext;
import io.shm4j.pool.WorkerPool;
import io.shm4j.store.ObjectRef;
import io.shm4j.store.ObjectStore;
import io.shm4j.store.ObjectStoreConfig;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Workload A: the sum of a float64 array {@code a[i] = (i % 1024) * 0.5} of 1.5 GB × factor,
 * split into 2 and into 8 tasks over the workers. Every partial sum is a multiple of 0.5
 * below 2^52, so the answer is exact in any order and checked with {@code ==}.
 *
 * <p>Strategies: {@code threads-heap} (threads over a heap {@code double[]}: the reference);
 * {@code shm4j-processes} (the array mapped once per worker, {@code mapRows}; plus the first
 * run after the mapping, cold, as its own rows); {@code shm4j-attach-per-task};
 * {@code shm4j-threads} (the threads backend over the same array); {@code serialization}
 * (each task carries its slice: encoded to bytes, sent through the pool's socket, decoded into
 * a {@code double[]} in the worker, as pickle does); {@code mmap-npy-disk} and
 * {@code mmap-npy-shm} (a {@code .npy} file mapped per task with {@code SharedArray.map}, on
 * disk or in the shm directory); {@code objectstore} (put once, tasks get by ref).
 */
final class ArraySum implements Workload {
    static final int[] TASKS = {2, 8};
    private static final int STRATEGY_VARIANTS = 1 + 2 + 1 + 1 + 1 + 1 + 1 + 1; // cold counts twice

    @Override
    public String name() {
        return "A";
    }

    /** Elements at a size factor: round(1.5 GB × factor / 8), as bench.py. */
    static long elements(double factor) {
        return Math.max(1, Math.round(1.5e9 * factor / 8));
    }

    /** The exact sum of {@code a[i] = (i % 1024) * 0.5} over {@code n} elements. */
    static double expected(long n) {
        long full = n / 1024;
        long rest = n % 1024;
        return (full * (1023L * 1024 / 2) + rest * (rest - 1) / 2) * 0.5;
    }

    @Override
    public int plannedRuns(BenchOptions o) {
        return STRATEGY_VARIANTS * TASKS.length * (o.warmup() + o.reps());
    }

    @Override
    public List<Measurement> run(RunContext ctx) {
        long n = elements(ctx.options().factor());
        int len = Math.toIntExact(n);
        long t0 = System.nanoTime();
        double[] heap = new double[len];
        fill(heap);
        double heapSeconds = RunContext.since(t0);
        t0 = System.nanoTime();
        try (SharedArray array = SharedArray.copyOf(ShmOptions.defaults(), heap)) {
            double sharedSeconds = RunContext.since(t0);
            double want = expected(n);
            ctx.strategy("threads-heap", "baseline", () -> threadsHeap(ctx, heap, want, heapSeconds));
            ctx.strategy("shm4j-processes", "shared", () -> processes(ctx, array, want, sharedSeconds));
            ctx.strategy("shm4j-attach-per-task", "shared", () -> mapRows(ctx, Backend.PROCESSES,
                    "shm4j-attach-per-task", array, ArraySum::attachAndSum, want, sharedSeconds));
            ctx.strategy("shm4j-threads", "shared", () -> mapRows(ctx, Backend.THREADS, "shm4j-threads", array,
                    ArraySum::sumChunk, want, sharedSeconds));
            ctx.strategy("serialization", "copied", () -> serialization(ctx, heap, want, heapSeconds));
            ctx.strategy("mmap-npy-disk", "shared", () -> mappedFile(ctx, array, true, want, sharedSeconds));
            ctx.strategy("mmap-npy-shm", "shared", () -> mappedFile(ctx, array, false, want, sharedSeconds));
            ctx.strategy("objectstore", "shared", () -> objectStore(ctx, array, want, sharedSeconds));
        }
        return ctx.results();
    }

    /** a[i] = (i % 1024) * 0.5: one period written, then copied forward in doubling blocks. */
    static void fill(double[] a) {
        int first = Math.min(1024, a.length);
        for (int i = 0; i < first; i++) {
            a[i] = i * 0.5;
        }
        for (int done = first; done < a.length; ) {
            int chunk = Math.min(done, a.length - done); // done is a multiple of 1024 here
            System.arraycopy(a, 0, a, done, chunk);
            done += chunk;
        }
    }

    // ---------------------------------------------------------------- strategies

    private static void threadsHeap(RunContext ctx, double[] heap, double want, double dataSeconds)
            throws Exception {
        long t0 = System.nanoTime();
        ExecutorService threads = Executors.newFixedThreadPool(ctx.workers());
        double start = RunContext.since(t0);
        try {
            for (int tasks : TASKS) {
                RunContext.Timed timed = ctx.time("threads-heap tasks=" + tasks, () -> {
                    List<Future<Double>> parts = new ArrayList<>();
                    for (long[] s : spans(heap.length, tasks)) {
                        parts.add(threads.submit(() -> sum(heap, (int) s[0], (int) s[1])));
                    }
                    double total = 0;
                    for (Future<Double> f : parts) {
                        total += f.get();
                    }
                    return total;
                }, got -> RunContext.exact(got, want));
                ctx.add("java", "threads-heap", "tasks=" + tasks, timed,
                        RunContext.setup(Measurement.POOL_START, start, Measurement.DATA, dataSeconds), Map.of(),
                        "baseline");
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static void processes(RunContext ctx, SharedArray array, double want, double dataSeconds)
            throws Exception {
        RunContext.StartedPool started = ctx.startPool(Backend.PROCESSES);
        try (WorkerPool pool = started.pool()) {
            Map<String, Double> setup = RunContext.setup(Measurement.POOL_START, started.seconds(),
                    Measurement.DATA, dataSeconds);
            for (int tasks : TASKS) {
                RunContext.Timed timed = ctx.time("shm4j-processes tasks=" + tasks,
                        () -> total(pool.mapRows(array, tasks, ArraySum::sumChunk)), got -> RunContext.exact(got, want));
                ctx.add("java", "shm4j-processes", "tasks=" + tasks, timed, setup, Map.of(), "shared");
            }
            // The first run after the segment appears: every worker maps it afresh (page tables
            // and page faults), as right after creation. Releasing drops the workers' mappings.
            for (int tasks : TASKS) {
                RunContext.Timed timed = ctx.time("shm4j-processes cold tasks=" + tasks,
                        () -> pool.release(array.ref()).join(),
                        () -> total(pool.mapRows(array, tasks, ArraySum::sumChunk)), got -> RunContext.exact(got, want),
                        r -> { });
                ctx.add("java", "shm4j-processes", "tasks=" + tasks + ", first run (cold)", timed, setup, Map.of(),
                        "shared");
            }
            pool.release(array.ref()).join();
        }
    }

    private static void mapRows(RunContext ctx, Backend backend, String name, SharedArray array,
            io.shm4j.pool.RowTask<Double> task, double want, double dataSeconds) throws Exception {
        RunContext.StartedPool started = ctx.startPool(backend);
        try (WorkerPool pool = started.pool()) {
            for (int tasks : TASKS) {
                RunContext.Timed timed = ctx.time(name + " tasks=" + tasks,
                        () -> total(pool.mapRows(array, tasks, task)), got -> RunContext.exact(got, want));
                ctx.add("java", name, "tasks=" + tasks, timed, RunContext.setup(Measurement.POOL_START,
                        started.seconds(), Measurement.DATA, dataSeconds), Map.of(), "shared");
            }
            pool.release(array.ref()).join();
        }
    }

    private static void serialization(RunContext ctx, double[] heap, double want, double dataSeconds)
            throws Exception {
        RunContext.StartedPool started = ctx.startPool(Backend.PROCESSES);
        try (WorkerPool pool = started.pool()) {
            for (int tasks : TASKS) {
                RunContext.Timed timed = ctx.time("serialization tasks=" + tasks, () -> {
                    List<byte[]> slices = new ArrayList<>();
                    for (long[] s : spans(heap.length, tasks)) {
                        slices.add(Wire.encode(heap, (int) s[0], (int) s[1]));
                    }
                    return total(pool.map(ArraySum::sumSlice, slices));
                }, got -> RunContext.exact(got, want));
                ctx.add("java", "serialization", "tasks=" + tasks, timed, RunContext.setup(Measurement.POOL_START,
                        started.seconds(), Measurement.DATA, dataSeconds), Map.of(), "copied");
            }
        }
    }

    private static void mappedFile(RunContext ctx, SharedArray array, boolean onDisk, double want,
            double dataSeconds) throws Exception {
        String name = onDisk ? "mmap-npy-disk" : "mmap-npy-shm";
        Path dir = onDisk ? Files.createTempDirectory("shm4j-bench-") : null;
        Path file = onDisk ? dir.resolve("a.npy") : array.path();
        try {
            long t0 = System.nanoTime();
            if (onDisk) {
                array.save(file);
            }
            double put = onDisk ? RunContext.since(t0) : Double.NaN;
            RunContext.StartedPool started = ctx.startPool(Backend.PROCESSES);
            try (WorkerPool pool = started.pool()) {
                for (int tasks : TASKS) {
                    List<FileSpan> items = new ArrayList<>();
                    for (long[] s : spans(array.size(), tasks)) {
                        items.add(new FileSpan(file.toString(), s[0], s[1]));
                    }
                    RunContext.Timed timed = ctx.time(name + " tasks=" + tasks,
                            () -> total(pool.map(ArraySum::mapFileAndSum, items)), got -> RunContext.exact(got, want));
                    ctx.add("java", name, "tasks=" + tasks, timed, RunContext.setup(Measurement.POOL_START,
                            started.seconds(), Measurement.DATA, dataSeconds, Measurement.PUT, put), Map.of(),
                            "shared");
                }
            }
        } finally {
            if (onDisk) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            }
        }
    }

    private static void objectStore(RunContext ctx, SharedArray array, double want, double dataSeconds)
            throws Exception {
        String storeName = "shm4j-bench-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000;
        long bytes = array.data().byteSize();
        try (ObjectStore store = ObjectStore.open(ObjectStoreConfig.named(storeName)
                .withCapacity(bytes + (64L << 20)))) {
            long t0 = System.nanoTime();
            ObjectRef<MemorySegment> ref = store.put(array.data());
            double put = RunContext.since(t0);
            RunContext.StartedPool started = ctx.startPool(Backend.PROCESSES);
            try (WorkerPool pool = started.pool()) {
                for (int tasks : TASKS) {
                    List<StoreSpan> items = new ArrayList<>();
                    for (long[] s : spans(array.size(), tasks)) {
                        items.add(new StoreSpan(ref, s[0], s[1]));
                    }
                    RunContext.Timed timed = ctx.time("objectstore tasks=" + tasks,
                            () -> total(pool.map(ArraySum::getAndSum, items)), got -> RunContext.exact(got, want));
                    ctx.add("java", "objectstore", "tasks=" + tasks, timed, RunContext.setup(Measurement.POOL_START,
                            started.seconds(), Measurement.DATA, dataSeconds, Measurement.PUT, put), Map.of(),
                            "shared");
                }
            } // workers exit here, so this process is the store's last member when it closes
        }
    }

    // ---------------------------------------------------------------- what the tasks run

    /** The chunk's sum over the worker's cached mapping (mapped once per worker). */
    static Double sumChunk(RowChunk chunk, TaskContext ctx) {
        return ctx.array(chunk.ref()).slice(chunk.start(), chunk.end()).sum();
    }

    /** Attaches the array, sums the chunk, unmaps: the mapping is paid by every task. */
    static Double attachAndSum(RowChunk chunk, TaskContext ctx) {
        try (SharedArray a = SharedArray.attach(chunk.ref())) {
            return a.slice(chunk.start(), chunk.end()).sum();
        }
    }

    /** The sum of a slice the task carried (decoded into a {@code double[]}, as unpickling makes an array). */
    static Double sumSlice(byte[] bytes) {
        double[] slice = Wire.decode(bytes);
        return sum(slice, 0, slice.length);
    }

    /** Maps the {@code .npy} file, sums the span, unmaps (numpy.memmap per task, as bench.py). */
    static Double mapFileAndSum(FileSpan span) {
        try (SharedArray a = SharedArray.open(Path.of(span.path()))) {
            return a.slice(span.from(), span.to()).sum();
        }
    }

    /**
     * Gets the object from the worker's store handle (opened once per worker; a get of an
     * object this process already pins is a counter increment) and sums the span in place.
     */
    static Double getAndSum(StoreSpan span) {
        ObjectStore store = WORKER_STORES.computeIfAbsent(span.ref().store(), ObjectStore::open);
        MemorySegment m = store.get(span.ref());
        return sum(m, span.from(), span.to());
    }

    /** Store handles of this worker process, kept until it exits (its pins die with it). */
    private static final ConcurrentHashMap<String, ObjectStore> WORKER_STORES = new ConcurrentHashMap<>();

    /** A span of a {@code .npy} file's elements. */
    record FileSpan(String path, long from, long to) implements Serializable {}

    /** A span of an object's float64 elements. */
    record StoreSpan(ObjectRef<MemorySegment> ref, long from, long to) implements Serializable {}

    // ---------------------------------------------------------------- kernels

    static double total(List<Double> parts) {
        double t = 0;
        for (double p : parts) {
            t += p;
        }
        return t;
    }

    /** Half-open spans splitting {@code n} elements into {@code parts} sizes that differ by at most one. */
    static List<long[]> spans(long n, int parts) {
        List<long[]> out = new ArrayList<>();
        long start = 0;
        for (int i = 0; i < parts && start < n; i++) {
            long end = start + n / parts + (i < n % parts ? 1 : 0);
            out.add(new long[] {start, end});
            start = end;
        }
        return out;
    }

    /** The sum of {@code a[from, to)} with eight accumulators (the array kernel's loop, over the heap). */
    static double sum(double[] a, int from, int to) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
            s4 += a[i + 4];
            s5 += a[i + 5];
            s6 += a[i + 6];
            s7 += a[i + 7];
        }
        for (; i < to; i++) {
            s0 += a[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** The same loop over float64 elements {@code [from, to)} of a memory segment. */
    static double sum(MemorySegment m, long from, long to) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        long i = from;
        ValueLayout.OfDouble d = ValueLayout.JAVA_DOUBLE;
        for (; i + 8 <= to; i += 8) {
            long o = i * 8;
            s0 += m.get(d, o);
            s1 += m.get(d, o + 8);
            s2 += m.get(d, o + 16);
            s3 += m.get(d, o + 24);
            s4 += m.get(d, o + 32);
            s5 += m.get(d, o + 40);
            s6 += m.get(d, o + 48);
            s7 += m.get(d, o + 56);
        }
        for (; i < to; i++) {
            s0 += m.get(d, i * 8);
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }
}
