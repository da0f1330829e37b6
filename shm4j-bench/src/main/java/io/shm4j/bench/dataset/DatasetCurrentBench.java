package io.shm4j.bench.dataset;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.dataset.Dataset;
import io.shm4j.dataset.DatasetReader;
import io.shm4j.dataset.Version;
import io.shm4j.segment.ShmOptions;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code Dataset.current()} when nothing changed (issue 18 target: at most 50 ns), measured in
 * one JVM, interleaved round by round with its peers, medians of the rounds:
 *
 * <ul>
 *   <li>{@code current()+close()}: take a lease on the newest version and end it (the reader's
 *       whole fast path: one acquire load of the shared counter, a reference count up and
 *       down, the lease object);</li>
 *   <li>{@code reader.current()}: a thread's {@code DatasetReader} (no lease: one acquire load
 *       and a compare when nothing changed);</li>
 *   <li>{@code currentNumber()}: only the acquire load of the shared counter;</li>
 *   <li>floor: {@code AtomicLong.getAcquire} of a heap counter and a compare (what any
 *       "has it changed?" check costs).</li>
 * </ul>
 *
 * Each op also reads one element of the version, so nothing is optimized away. Usage:
 * {@code DatasetCurrentBench [--rounds N] [--iterations N]} (default 7 rounds of 20 M).
 */
public final class DatasetCurrentBench {
    private DatasetCurrentBench() {}

    public static void main(String[] args) {
        int rounds = 7;
        long iterations = 20_000_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]
                        + "; usage: [--rounds N] [--iterations N]");
            }
        }
        try (Dataset<SharedArray> ds = Dataset.createArrays(ShmOptions.defaults())) {
            ds.publish(o -> SharedArray.fromLongFunction(o, DType.INT64, new long[] {1024}, i -> 7));
            AtomicLong heap = new AtomicLong(1);
            double[] lease = new double[rounds];
            double[] number = new double[rounds];
            double[] reader = new double[rounds];
            double[] floor = new double[rounds];
            long sink = 0;
            // warm-up: compile all three loops
            for (int w = 0; w < 3; w++) {
                sink += readers(ds, iterations / 4)[1] + leases(ds, iterations / 4)[1] + numbers(ds, iterations / 4)[1] + floor(heap, iterations / 4)[1];
            }
            for (int r = 0; r < rounds; r++) {
                long[] d = readers(ds, iterations);
                reader[r] = (double) d[0] / iterations;
                sink += d[1];
                long[] a = leases(ds, iterations);
                long[] b = numbers(ds, iterations);
                long[] c = floor(heap, iterations);
                lease[r] = (double) a[0] / iterations;
                number[r] = (double) b[0] / iterations;
                floor[r] = (double) c[0] / iterations;
                sink += a[1] + b[1] + c[1];
            }
            System.out.printf(Locale.ROOT, "Dataset.current() when nothing changed: %d rounds x %d ops, medians"
                    + " (sink %d)%n", rounds, iterations, sink);
            System.out.printf(Locale.ROOT, "  current()+close()   %6.2f ns/op   rounds %s%n", median(lease), fmt(lease));
            System.out.printf(Locale.ROOT, "  reader.current()    %6.2f ns/op   rounds %s%n", median(reader), fmt(reader));
            System.out.printf(Locale.ROOT, "  currentNumber()     %6.2f ns/op   rounds %s%n", median(number), fmt(number));
            System.out.printf(Locale.ROOT, "  floor (heap acquire)%6.2f ns/op   rounds %s%n", median(floor), fmt(floor));
            System.out.printf(Locale.ROOT, "  lease / floor = %.2fx, reader / floor = %.2fx; target <= 50 ns: lease %s,"
                    + " reader %s%n", median(lease) / median(floor), median(reader) / median(floor),
                    median(lease) <= 50 ? "met" : "NOT met", median(reader) <= 50 ? "met" : "NOT met");
        }
    }

    private static long[] leases(Dataset<SharedArray> ds, long n) {
        long sum = 0;
        long t0 = System.nanoTime();
        for (long i = 0; i < n; i++) {
            try (Version<SharedArray> v = ds.current()) {
                sum += v.number();
            }
        }
        return new long[] {System.nanoTime() - t0, sum};
    }

    private static long[] readers(Dataset<SharedArray> ds, long n) {
        long sum = 0;
        try (DatasetReader<SharedArray> reader = ds.reader()) {
            long t0 = System.nanoTime();
            for (long i = 0; i < n; i++) {
                sum += reader.current().size();
            }
            return new long[] {System.nanoTime() - t0, sum};
        }
    }

    private static long[] numbers(Dataset<SharedArray> ds, long n) {
        long sum = 0;
        long t0 = System.nanoTime();
        for (long i = 0; i < n; i++) {
            sum += ds.currentNumber();
        }
        return new long[] {System.nanoTime() - t0, sum};
    }

    private static long[] floor(AtomicLong heap, long n) {
        long sum = 0;
        long held = 1;
        long t0 = System.nanoTime();
        for (long i = 0; i < n; i++) {
            if (heap.getAcquire() == held) {
                sum += held;
            }
        }
        return new long[] {System.nanoTime() - t0, sum};
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String fmt(double[] xs) {
        StringBuilder b = new StringBuilder("[");
        for (double x : xs) {
            b.append(b.length() > 1 ? " " : "").append(String.format(Locale.ROOT, "%.1f", x));
        }
        return b.append("]").toString();
    }
}
