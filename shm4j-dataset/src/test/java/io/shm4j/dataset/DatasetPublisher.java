package io.shm4j.dataset;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.ShmOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

/**
 * The Java writer of the Python interop test ({@code python/tests/test_dataset.py}):
 * {@code NAME VERSIONS ELEMENTS} creates a scoped dataset, publishes version 1 (every element
 * 1), prints {@code READY}, waits for a line, publishes versions 2..VERSIONS (every element of
 * version k is k), waits for another line and closes (removing the dataset).
 */
public final class DatasetPublisher {
    private DatasetPublisher() {}

    public static void main(String[] args) throws IOException {
        String name = args[0];
        int versions = Integer.parseInt(args[1]);
        long elements = Long.parseLong(args[2]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        try (Dataset<SharedArray> ds = Dataset.createArrays(ShmOptions.named(name))) {
            for (long k = 1; k <= versions; k++) {
                long v = k;
                ds.publish(o -> SharedArray.fromLongFunction(o, DType.INT64, new long[] {elements}, i -> v));
                if (k == 1) {
                    System.out.println("READY");
                    System.out.flush();
                    in.readLine();
                }
            }
            in.readLine();
        }
    }
}
