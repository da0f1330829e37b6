package io.shm4j.bench;

import java.util.Arrays;

/**
 * Repeated measurements of one quantity: median, min and max, as every shm4j benchmark
 * reports them. Not thread-safe.
 */
public final class Samples {
    private double[] values = new double[8];
    private int n;

    /** Samples holding {@code values}. */
    public static Samples of(double... values) {
        Samples s = new Samples();
        for (double v : values) {
            s.add(v);
        }
        return s;
    }

    /** The measurements, in the order they were added. */
    public double[] values() {
        return Arrays.copyOf(values, n);
    }

    /** Adds one measurement. */
    public void add(double v) {
        if (n == values.length) {
            values = Arrays.copyOf(values, n * 2);
        }
        values[n++] = v;
    }

    /** Number of measurements. */
    public int count() {
        return n;
    }

    private double[] sorted() {
        double[] s = Arrays.copyOf(values, n);
        Arrays.sort(s);
        return s;
    }

    public double median() {
        double[] s = sorted();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    public double min() {
        return n == 0 ? Double.NaN : sorted()[0];
    }

    public double max() {
        return n == 0 ? Double.NaN : sorted()[n - 1];
    }

    /** Times {@code reps} runs of {@code body} in milliseconds, after {@code warmup} unmeasured runs. */
    public static Samples timeMillis(int warmup, int reps, ThrowingRunnable body) throws Exception {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        Samples s = new Samples();
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            s.add((System.nanoTime() - t0) / 1e6);
        }
        return s;
    }

    /** A benchmark body. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Override
    public String toString() {
        return String.format("median=%.3f min=%.3f max=%.3f n=%d", median(), min(), max(), n);
    }
}
