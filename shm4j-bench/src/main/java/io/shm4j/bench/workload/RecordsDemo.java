package io.shm4j.bench.workload;

import io.shm4j.bench.Progress;
import io.shm4j.bench.Samples;
import io.shm4j.bench.WorkerMemory;
import io.shm4j.frame.SharedFrame;
import io.shm4j.pool.SerializableFunction;
import io.shm4j.pool.WorkerPool;
import io.shm4j.segment.SegmentRef;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What {@code shm4j demo} shows: the records of workload C (date, value with NaN, name) summed
 * in every worker JVM, once copied to each worker (Java arrays, serialized) and once shared
 * (the frame's ref; each worker maps the segment), with the time per run and each worker's
 * private memory growth. Not thread-safe.
 */
public final class RecordsDemo {
    /**
     * The outcome.
     *
     * @param records rows of the frame
     * @param frameMiB size of the frame (the Arrow file) in MiB
     * @param workers worker JVMs
     * @param copy seconds per copying run
     * @param copyMiB private memory (Anonymous) one copying worker gained, the largest over workers
     * @param share seconds per sharing run
     * @param shareMiB private memory one sharing worker gained
     * @param check "ok" when every worker got the exact nansum in both modes, else what was wrong
     */
    public record Result(long records, double frameMiB, int workers, Samples copy, double copyMiB, Samples share,
            double shareMiB, String check) {

        /** How many times faster sharing is (median over median). */
        public double speedup() {
            return copy.median() / share.median();
        }
    }

    private RecordsDemo() {}

    /** The default number of records: 10 million, fewer when memory is short (copies need about 400 B a record). */
    public static long defaultRecords(long availableBytes) {
        long fit = availableBytes / 1200;
        return Math.max(100_000, Math.min(10_000_000L, fit));
    }

    /** Runs the demo: one warm-up and {@code reps} timed runs per mode. */
    public static Result run(long records, int workers, int reps, Progress progress) throws Exception {
        progress.message("building " + records + " records in shared memory");
        try (SharedFrame frame = Records.build(records)) {
            progress.step();
            double want = Records.expected(records);
            progress.message("copying the records to " + workers + " workers");
            Records.RecordArrays arrays = Records.RecordArrays.of(frame);
            Mode copy = mode(workers, reps, Records::nansumCopy, arrays, want, progress);
            arrays = null;
            progress.message("sharing the records with " + workers + " workers");
            SegmentRef ref = frame.ref();
            Mode share = mode(workers, reps, Records::nansumShared, ref, want, progress);
            String check = copy.check.equals("ok") ? share.check : "copying: " + copy.check;
            return new Result(records, frame.byteSize() / 0x1p20, workers, copy.seconds, copy.anonMiB,
                    share.seconds, share.anonMiB, check);
        }
    }

    /** Total progress steps of {@link #run}. */
    public static int steps(int reps) {
        return 1 + 2 * (1 + reps);
    }

    private record Mode(Samples seconds, double anonMiB, String check) {}

    private static <T> Mode mode(int workers, int reps, SerializableFunction<T, Double> fn, T item, double want,
            Progress progress) throws Exception {
        try (WorkerPool pool = WorkerPool.builder().workers(workers).progressBar(false).build()) {
            List<WorkerMemory> before = WorkerMemory.of(pool.workerPids());
            List<T> items = Collections.nCopies(workers, item);
            Samples s = new Samples();
            String check = "ok";
            for (int i = 0; i <= reps; i++) {
                long t0 = System.nanoTime();
                List<Double> sums = pool.map(fn, items);
                double seconds = RunContext.since(t0);
                if (i > 0) {
                    s.add(seconds);
                }
                for (double got : sums) {
                    if (got != want) {
                        check = "wrong: got=" + got + ", expected=" + want;
                    }
                }
                progress.step();
            }
            Map<String, Double> mem = WorkerMemory.summary(before, WorkerMemory.of(pool.workerPids()));
            if (item instanceof SegmentRef ref) {
                pool.release(ref).join();
            }
            return new Mode(s, mem.getOrDefault("anon_added", Double.NaN), check);
        }
    }
}
