package io.shm4j.bench.workload;

import io.shm4j.segment.ShmOptions;
import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.bench.BenchOptions;
import io.shm4j.bench.Measurement;
import io.shm4j.pool.Backend;
import io.shm4j.pool.SerializableFunction;
import io.shm4j.pool.TaskContext;
import io.shm4j.pool.WorkerPool;
import io.shm4j.segment.Access;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentRef;
import java.io.Serializable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * Workload B: 50 row tasks over a 1000 × (5000 × factor) float64 frame. Task k takes row
 * {@code k·1000/50}, fills a fresh random 1000 × cols matrix ({@code SplittableRandom(1_000_000 + k)},
 * into a buffer the thread reuses), takes its row means (1000) and writes their outer product
 * with the row: a 1000 × cols result (40 MB at factor 1). The output is large, so what matters
 * is where results go.
 *
 * <p>The frame is a 2-d {@link SharedArray}: a task needs one whole row, which is contiguous in
 * a C-order array, while an Arrow frame of 5000 columns stores by column (a row would be 5000
 * scattered reads) — and it is what the Python strategies share (a 2-d NumPy array).
 *
 * <p>Strategies: {@code shm4j-processes} writing into a caller-allocated mutable shared output
 * array (disjoint slices), or into result arrays each task creates for the caller
 * ({@code publishResult}, adopted by the caller); {@code shm4j-threads} (threads backend, shared
 * output); {@code serialization} (the row goes out, the result comes back as bytes the
 * caller decodes into a {@code double[]}); {@code sequential} (one thread, heap outputs) and {@code threads-heap}
 * (threads over heap arrays).
 */
final class RowOuter implements Workload {
    static final int ROWS = 1000;
    static final int TASKS = 50;

    @Override
    public String name() {
        return "B";
    }

    static int cols(double factor) {
        return (int) Math.max(1, Math.round(5000 * factor));
    }

    @Override
    public int plannedRuns(BenchOptions o) {
        return 6 * (o.warmup() + o.reps());
    }

    /** The frame row task k uses. */
    static int taskRow(int k) {
        return k * ROWS / TASKS;
    }

    @Override
    public List<Measurement> run(RunContext ctx) {
        int cols = cols(ctx.options().factor());
        long t0 = System.nanoTime();
        double[] heapFrame = new double[ROWS * cols];
        SplittableRandom rnd = new SplittableRandom(2024);
        for (int i = 0; i < heapFrame.length; i++) {
            heapFrame[i] = rnd.nextDouble();
        }
        double heapSeconds = RunContext.since(t0);
        t0 = System.nanoTime();
        try (SharedArray frame = SharedArray.copyOf(ShmOptions.defaults(), DType.FLOAT64,
                new long[] {ROWS, cols}, heapFrame)) {
            double sharedSeconds = RunContext.since(t0);
            Checker checker = new Checker(heapFrame, cols);
            ctx.strategy("shm4j-processes", "shared", () -> sharedOutput(ctx, Backend.PROCESSES, frame, cols, checker,
                    sharedSeconds));
            ctx.strategy("shm4j-processes", "shared", () -> resultArrays(ctx, frame, cols, checker, sharedSeconds));
            ctx.strategy("shm4j-threads", "shared", () -> sharedOutput(ctx, Backend.THREADS, frame, cols, checker,
                    sharedSeconds));
            ctx.strategy("serialization", "copied", () -> serialization(ctx, heapFrame, cols, checker, heapSeconds));
            ctx.strategy("sequential / threads-heap", "baseline", () -> heap(ctx, heapFrame, cols, checker,
                    heapSeconds));
        }
        return ctx.results();
    }

    // ---------------------------------------------------------------- strategies

    private static void sharedOutput(RunContext ctx, Backend backend, SharedArray frame, int cols, Checker checker,
            double dataSeconds) throws Exception {
        String name = backend == Backend.PROCESSES ? "shm4j-processes" : "shm4j-threads";
        long t0 = System.nanoTime();
        try (SharedArray out = SharedArray.zeros(ShmOptions.defaults().asMutable(), DType.FLOAT64, TASKS, ROWS,
                cols)) {
            double put = RunContext.since(t0);
            RunContext.StartedPool started = ctx.startPool(backend);
            try (WorkerPool pool = started.pool()) {
                SerializableFunction<Integer, Integer> fn = intoSharedOutput(frame.ref(), out.ref(), cols);
                List<Integer> ks = IntStream.range(0, TASKS).boxed().toList();
                MemorySegment o = out.data();
                RunContext.Timed timed = ctx.time(name + " out=shared array", () -> pool.map(fn, ks),
                        r -> checker.check((k, i) -> o.getAtIndex(ValueLayout.JAVA_DOUBLE, (long) k * ROWS * cols + i)),
                        r -> { });
                ctx.add("java", name, "tasks=50, out=shared array", timed, RunContext.setup(Measurement.POOL_START,
                        started.seconds(), Measurement.DATA, dataSeconds, Measurement.PUT, put), Map.of(), "shared");
                pool.release(out.ref()).join();
                pool.release(frame.ref()).join();
            }
        }
    }

    private static void resultArrays(RunContext ctx, SharedArray frame, int cols, Checker checker,
            double dataSeconds) throws Exception {
        RunContext.StartedPool started = ctx.startPool(Backend.PROCESSES);
        try (WorkerPool pool = started.pool()) {
            SerializableFunction<Integer, SegmentRef> fn = intoResultArray(frame.ref(), cols);
            List<Integer> ks = IntStream.range(0, TASKS).boxed().toList();
            RunContext.Timed timed = ctx.time("shm4j-processes out=result arrays", () -> {
                List<SharedArray> results = new ArrayList<>(TASKS);
                try {
                    for (SegmentRef ref : pool.map(fn, ks)) {
                        results.add(SharedArray.of(Segment.adopt(ref)));
                    }
                } catch (RuntimeException e) {
                    results.forEach(SharedArray::close);
                    throw e;
                }
                return results;
            }, results -> checker.check((k, i) -> results.get(k).data().getAtIndex(ValueLayout.JAVA_DOUBLE, i)),
                    results -> results.forEach(SharedArray::close));
            ctx.add("java", "shm4j-processes", "tasks=50, out=result arrays", timed,
                    RunContext.setup(Measurement.POOL_START, started.seconds(), Measurement.DATA, dataSeconds),
                    Map.of(), "shared");
            pool.release(frame.ref()).join();
        }
    }

    private static void serialization(RunContext ctx, double[] heapFrame, int cols, Checker checker,
            double dataSeconds) throws Exception {
        RunContext.StartedPool started = ctx.startPool(Backend.PROCESSES);
        try (WorkerPool pool = started.pool()) {
            RunContext.Timed timed = ctx.time("serialization", () -> {
                List<RowInput> items = new ArrayList<>(TASKS);
                for (int k = 0; k < TASKS; k++) {
                    int r = taskRow(k);
                    items.add(new RowInput(k, java.util.Arrays.copyOfRange(heapFrame, r * cols, (r + 1) * cols)));
                }
                List<double[]> results = new ArrayList<>(TASKS);
                for (byte[] b : pool.map(RowOuter::computeCopy, items)) {
                    results.add(Wire.decode(b));
                }
                return results;
            }, results -> checker.check((k, i) -> results.get(k)[(int) i]), r -> { });
            ctx.add("java", "serialization", "tasks=50", timed, RunContext.setup(Measurement.POOL_START,
                    started.seconds(), Measurement.DATA, dataSeconds), Map.of(), "copied");
        }
    }

    /** {@code sequential} and {@code threads-heap}: heap outputs allocated once, reused by every run. */
    private static void heap(RunContext ctx, double[] heapFrame, int cols, Checker checker, double dataSeconds)
            throws Exception {
        long t0 = System.nanoTime();
        double[][] out = new double[TASKS][ROWS * cols];
        double alloc = RunContext.since(t0);
        RunContext.Timed seq = ctx.time("sequential", () -> {
            for (int k = 0; k < TASKS; k++) {
                compute(k, heapFrame, taskRow(k) * cols, cols, out[k]);
            }
            return out;
        }, r -> checker.check((k, i) -> r[k][(int) i]));
        ctx.add("java", "sequential", "tasks=50", seq, RunContext.setup(Measurement.DATA, dataSeconds,
                Measurement.PUT, alloc), Map.of(), "baseline");
        t0 = System.nanoTime();
        ExecutorService threads = Executors.newFixedThreadPool(ctx.workers());
        double start = RunContext.since(t0);
        try {
            RunContext.Timed par = ctx.time("threads-heap", () -> {
                List<Future<?>> fs = new ArrayList<>();
                for (int k = 0; k < TASKS; k++) {
                    int kk = k;
                    fs.add(threads.submit(() -> compute(kk, heapFrame, taskRow(kk) * cols, cols, out[kk])));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                return out;
            }, r -> checker.check((k, i) -> r[k][(int) i]));
            ctx.add("java", "threads-heap", "tasks=50", par, RunContext.setup(Measurement.POOL_START, start,
                    Measurement.DATA, dataSeconds, Measurement.PUT, alloc), Map.of(), "baseline");
        } finally {
            threads.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- what the tasks run

    /** Task k writes its result into slice k of the shared output (mapped read-write once per worker). */
    static SerializableFunction<Integer, Integer> intoSharedOutput(SegmentRef frame, SegmentRef out, int cols) {
        return k -> {
            TaskContext ctx = TaskContext.current();
            double[] row = ctx.array(frame).row(taskRow(k)).toDoubleArray();
            MemorySegment o = ctx.array(out, Access.READ_WRITE).data();
            compute(k, row, 0, cols, o, (long) k * ROWS * cols * Double.BYTES);
            return k;
        };
    }

    /** Task k creates a result array owned by the caller, fills it and hands it over. */
    static SerializableFunction<Integer, SegmentRef> intoResultArray(SegmentRef frame, int cols) {
        return k -> {
            TaskContext ctx = TaskContext.current();
            double[] row = ctx.array(frame).row(taskRow(k)).toDoubleArray();
            SharedArray result = SharedArray.zeros(ctx.resultOptions().asMutable(), DType.FLOAT64, ROWS, cols);
            try {
                compute(k, row, 0, cols, result.data(), 0);
                return ctx.publishResult(result);
            } catch (RuntimeException | Error e) {
                result.close();
                throw e;
            }
        };
    }

    /** The row travels in, the result travels back (as bytes, decoded by the caller, as pickle does). */
    static byte[] computeCopy(RowInput in) {
        double[] out = new double[ROWS * in.row().length];
        compute(in.k(), in.row(), 0, in.row().length, out);
        return Wire.encode(out, 0, out.length);
    }

    /** A task's input when the data is copied: its index and its row. */
    record RowInput(int k, double[] row) implements Serializable {}

    // ---------------------------------------------------------------- kernels

    private static final ThreadLocal<double[]> MATRIX = new ThreadLocal<>();

    /** Row means of task k's fresh random ROWS × cols matrix (generated into a per-thread buffer). */
    static double[] rowMeans(int k, int cols) {
        double[] m = MATRIX.get();
        if (m == null || m.length != ROWS * cols) {
            m = new double[ROWS * cols];
            MATRIX.set(m);
        }
        SplittableRandom rnd = new SplittableRandom(1_000_000L + k);
        for (int i = 0; i < m.length; i++) {
            m[i] = rnd.nextDouble();
        }
        double[] means = new double[ROWS];
        for (int r = 0; r < ROWS; r++) {
            double s = 0;
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                s += m[base + c];
            }
            means[r] = s / cols;
        }
        return means;
    }

    /** Task k into a heap result: {@code out[r·cols + c] = means[r] · row[c]}. */
    static void compute(int k, double[] rowSource, int rowOffset, int cols, double[] out) {
        double[] means = rowMeans(k, cols);
        for (int r = 0; r < ROWS; r++) {
            double m = means[r];
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                out[base + c] = m * rowSource[rowOffset + c];
            }
        }
    }

    /** Task k into shared memory at {@code byteOffset}. */
    static void compute(int k, double[] rowSource, int rowOffset, int cols, MemorySegment out, long byteOffset) {
        double[] means = rowMeans(k, cols);
        ValueLayout.OfDouble d = ValueLayout.JAVA_DOUBLE;
        for (int r = 0; r < ROWS; r++) {
            double m = means[r];
            long base = byteOffset + (long) r * cols * Double.BYTES;
            for (int c = 0; c < cols; c++) {
                out.set(d, base + (long) c * Double.BYTES, m * rowSource[rowOffset + c]);
            }
        }
    }

    /** Reads result element i of task k. */
    @FunctionalInterface
    interface Results {
        double at(int k, long i);
    }

    /**
     * Checks a run's results: every task's result is rank 1 on its own row (its first line
     * is a multiple of the row), and three tasks recomputed here match bit for bit.
     */
    static final class Checker {
        private final double[] frame;
        private final int cols;
        private final double[][] exact = new double[3][];
        private final int[] exactTasks = {0, TASKS / 2, TASKS - 1};

        Checker(double[] frame, int cols) {
            this.frame = frame;
            this.cols = cols;
        }

        String check(Results res) {
            List<Integer> bad = new ArrayList<>();
            for (int k = 0; k < TASKS; k++) {
                int row = taskRow(k) * cols;
                double a = res.at(k, 0);
                boolean ok = a != 0;
                for (int c = 0; c < cols && ok; c++) {
                    double lhs = res.at(k, c) * frame[row];
                    double rhs = a * frame[row + c];
                    ok = Math.abs(lhs - rhs) <= 1e-9 * Math.abs(rhs) + 1e-300;
                }
                if (!ok) {
                    bad.add(k);
                }
            }
            for (int j = 0; j < exactTasks.length; j++) {
                int k = exactTasks[j];
                if (exact[j] == null) {
                    exact[j] = new double[ROWS * cols];
                    compute(k, frame, taskRow(k) * cols, cols, exact[j]);
                }
                for (int i = 0; i < exact[j].length; i++) {
                    if (res.at(k, i) != exact[j][i]) {
                        bad.add(k);
                        break;
                    }
                }
            }
            return bad.isEmpty() ? "ok" : "wrong tasks " + bad.stream().distinct().sorted().toList();
        }
    }
}
