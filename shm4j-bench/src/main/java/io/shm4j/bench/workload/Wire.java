package io.shm4j.bench.workload;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How the copying strategies turn float64 data into bytes and back: one bulk copy each way,
 * as pickle does with a NumPy array's buffer. (The pool's own {@code double[]} encoding writes
 * element by element — about 10× slower — which would measure that encoder rather than the
 * cost of copying data to a worker.) Stateless.
 */
final class Wire {
    private static final ValueLayout.OfDouble LE = ValueLayout.JAVA_DOUBLE_UNALIGNED
            .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private Wire() {}

    /** {@code a[from, to)} as little-endian bytes. */
    static byte[] encode(double[] a, int from, int to) {
        byte[] out = new byte[Math.multiplyExact(to - from, Double.BYTES)];
        MemorySegment.copy(a, from, MemorySegment.ofArray(out), LE, 0, to - from);
        return out;
    }

    /** The doubles {@link #encode} wrote. */
    static double[] decode(byte[] bytes) {
        double[] out = new double[bytes.length / Double.BYTES];
        MemorySegment.copy(MemorySegment.ofArray(bytes), LE, 0, out, 0, out.length);
        return out;
    }
}
