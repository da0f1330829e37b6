package io.shm4j.dataset;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.Access;
import io.shm4j.segment.ShmDirectory;
import java.io.IOException;

/**
 * The other processes of the dataset tests.
 *
 * <ul>
 *   <li>{@code read NAME LAST [follow]}: hammers {@code current()} until version LAST, checking
 *       every read sees exactly one version (every element equals the version number) and that
 *       versions never go backwards; prints {@code READY} after its first read and
 *       {@code DONE reads=R versions=V} at the end. With {@code follow}, a {@link Follower}
 *       prepares the versions and {@code current()} returns the ones it made ready.</li>
 *   <li>{@code write NAME STAGE ELEMENTS}: publishes one version and, at STAGE, prints
 *       {@code AT STAGE} and blocks (the test kills it).</li>
 *   <li>{@code hold NAME}: takes a lease on the current version, prints {@code HOLD k sum},
 *       and blocks holding it.</li>
 *   <li>{@code publish NAME ELEMENTS}: a second writer with its own page stock: publishes one
 *       version (every element equals its number) with {@code SharedArray.copyOf}, prints
 *       {@code PUBLISHED k} and blocks, its handle and stock open (the replaced version's file
 *       in its stock).</li>
 * </ul>
 */
public final class DatasetChild {
    private DatasetChild() {}

    public static void main(String[] args) throws IOException {
        switch (args[0]) {
            case "read" -> read(args[1], Long.parseLong(args[2]), args.length > 3 && args[3].equals("follow"));
            case "write" -> write(args[1], Dataset.Stage.valueOf(args[2]), Integer.parseInt(args[3]));
            case "hold" -> hold(args[1]);
            case "publish" -> publish(args[1], Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void read(String name, long last, boolean follow) {
        try (Dataset<SharedArray> ds = Dataset.attachArrays(name)) {
            if (follow) {
                ds.follow(java.time.Duration.ofMillis(1), 1.0);
            }
            long reads = 0;
            long versions = 0;
            long seen = 0;
            while (seen < last) {
                Thread.yield(); // hammer, but let the writer run on a small machine
                try (Version<SharedArray> v = ds.current()) {
                    long k = v.number();
                    if (k < seen) {
                        throw new AssertionError("version went backwards: seen=" + seen + ", now=" + k);
                    }
                    SharedArray a = v.value();
                    long min = a.minLong();
                    long max = a.maxLong();
                    if (min != k || max != k) {
                        throw new AssertionError("torn or wrong version: version=" + k + ", min=" + min + ", max=" + max);
                    }
                    if (k != seen) {
                        versions++;
                        seen = k;
                    }
                    if (reads++ == 0) {
                        System.out.println("READY");
                        System.out.flush();
                    }
                }
            }
            System.out.println("DONE reads=" + reads + " versions=" + versions);
        }
    }

    private static void write(String name, Dataset.Stage stage, int elements) throws IOException {
        try (Dataset<SharedArray> ds = Dataset.attachArrays(ShmDirectory.current(), name, Access.READ_WRITE)) {
            long next = ds.currentNumber() + 1;
            ds.publish(opts -> SharedArray.fromLongFunction(opts, DType.INT64, new long[] {elements}, i -> next),
                    Dataset.DEFAULT_LOCK_WAIT, s -> {
                        if (s == stage) {
                            System.out.println("AT " + s);
                            System.out.flush();
                            block();
                        }
                    });
        }
    }

    private static void publish(String name, int elements) throws IOException {
        System.setProperty(io.shm4j.Settings.PAGE_STOCK_PROPERTY, "64m");
        try (Dataset<SharedArray> ds = Dataset.attachArrays(ShmDirectory.current(), name, Access.READ_WRITE)) {
            long k = ds.publish(opts -> {
                long[] a = new long[elements];
                java.util.Arrays.fill(a, ds.currentNumber() + 1);
                return SharedArray.copyOf(opts, a);
            });
            System.out.println("PUBLISHED " + k);
            System.out.flush();
            block();
        } finally {
            ShmDirectory.current().releasePageStock();
        }
    }

    private static void hold(String name) throws IOException {
        Dataset<SharedArray> ds = Dataset.attachArrays(name);
        Version<SharedArray> v = ds.current();
        System.out.println("HOLD " + v.number() + " " + v.value().sumLong());
        System.out.flush();
        // prints the sum again on each line read, proving the old version stays readable
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
        while (in.readLine() != null) {
            System.out.println("SUM " + v.number() + " " + v.value().sumLong());
            System.out.flush();
        }
    }

    private static void block() {
        try {
            while (System.in.read() >= 0) {
                // wait for the kill
            }
        } catch (IOException e) {
            // killed
        }
    }
}
