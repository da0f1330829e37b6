package io.shm4j.array;

import io.shm4j.segment.ShmOptions;

/**
 * A second JVM for {@link PythonSharedArraysTest}: creates a scoped array named {@code args[0]}
 * (values 0..9), prints {@code ready} and waits on stdin until it is killed.
 */
public final class ScopedArrayOwner {
    private ScopedArrayOwner() {}

    public static void main(String[] args) throws Exception {
        try (SharedArray a = SharedArray.copyOf(ShmOptions.named(args[0]), new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})) {
            System.out.println("ready " + a.size());
            System.out.flush();
            System.in.read();
        }
    }
}
