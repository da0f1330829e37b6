package io.shm4j.dataset;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The Java writer of the Python interop test ({@code python/tests/test_dataset.py}):
 * {@code NAME VERSIONS ELEMENTS} creates a scoped dataset, publishes version 1 (every element
 * 1), prints {@code READY}, waits for a line, publishes versions 2..VERSIONS (every element of
 * version k is k), waits for another line and closes (removing the dataset). A fourth argument
 * {@code copy} builds each version with {@code SharedArray.copyOf(long[])}, which takes the page
 * stock's pages when {@code shm4j.pageStock} is set; it then prints {@code REUSED n} before
 * closing: how many versions went into the pages of a replaced one.
 */
public final class DatasetPublisher {
    private DatasetPublisher() {}

    public static void main(String[] args) throws IOException {
        String name = args[0];
        int versions = Integer.parseInt(args[1]);
        int elements = Integer.parseInt(args[2]);
        boolean copy = args.length > 3 && args[3].equals("copy");
        Set<Object> inodes = new HashSet<>();
        int reused = 0;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        try (Dataset<SharedArray> ds = Dataset.createArrays(ShmOptions.named(name))) {
            for (long k = 1; k <= versions; k++) {
                long v = k;
                if (copy) {
                    ds.publish(o -> {
                        long[] a = new long[elements];
                        Arrays.fill(a, v);
                        return SharedArray.copyOf(o, a);
                    });
                    Path file = ShmDirectory.current().path().resolve(DatasetLayout.versionName(name, k));
                    if (!inodes.add(Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                        reused++;
                    }
                } else {
                    ds.publish(o -> SharedArray.fromLongFunction(o, DType.INT64, new long[] {elements}, i -> v));
                }
                if (k == 1) {
                    System.out.println("READY");
                    System.out.flush();
                    in.readLine();
                }
            }
            if (copy) {
                System.out.println("REUSED " + reused);
                System.out.flush();
            }
            in.readLine();
        }
    }
}
