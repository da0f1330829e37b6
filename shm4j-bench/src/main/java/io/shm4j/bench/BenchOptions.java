package io.shm4j.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * What one {@code shm4j bench} run does.
 *
 * @param workloads the workloads to run, in order (A, B, C, D)
 * @param factor the size factor: 1 = A 1.5 GB, B 1000 × 5000, C/D 10 million records (as
 *     {@code bench.py --size})
 * @param workers worker processes (and threads) per pool
 * @param reps timed runs per strategy and variant
 * @param warmup untimed runs before them
 * @param python whether to run the Python strategies too
 * @param out directory for results.csv, results.json and the charts
 * @param progress whether to draw progress bars (they stay off anyway when stderr is not a terminal)
 */
public record BenchOptions(List<String> workloads, double factor, int workers, int reps, int warmup,
        boolean python, Path out, boolean progress) {

    public BenchOptions {
        workloads = List.copyOf(workloads);
        if (factor <= 0 || factor > SizeFactor.MAX) {
            throw new IllegalArgumentException("size factor out of range: factor=" + factor + ", max=" + SizeFactor.MAX);
        }
        if (workers < 1 || reps < 1 || warmup < 0) {
            throw new IllegalArgumentException("bad counts: workers=" + workers + ", reps=" + reps + ", warmup=" + warmup);
        }
    }
}
