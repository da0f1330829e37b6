package io.shm4j.array;

import io.shm4j.segment.Access;

/**
 * A second JVM for {@link ConcurrentAtomicsTest}: attaches the counters read-write and adds to
 * them {@code args[2]} times.
 */
public final class AtomicAdder {
    private AtomicAdder() {}

    public static void main(String[] args) {
        int n = Integer.parseInt(args[2]);
        try (SharedArray longs = SharedArray.attach(args[0], Access.READ_WRITE);
                SharedArray doubles = SharedArray.attach(args[1], Access.READ_WRITE)) {
            long[] cas = {1};
            for (int i = 0; i < n; i++) {
                longs.longs().getAndAdd(0, 1);
                while (true) { // counter 1 through compare-and-set
                    long v = longs.longs().getVolatile(1);
                    if (longs.longs().compareAndSet(cas, v, v + 2)) {
                        break;
                    }
                }
                doubles.doubles().getAndAdd(new long[] {i % 2}, 0.5);
            }
        }
    }
}
