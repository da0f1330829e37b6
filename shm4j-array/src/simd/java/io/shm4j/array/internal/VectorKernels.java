package io.shm4j.array.internal;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD reductions, through the incubating Vector API ({@code jdk.incubator.vector}).
 * {@link Kernels} loads this class reflectively, and only when the boot layer has that module
 * (the JVM was started with {@code --add-modules jdk.incubator.vector}) and the CPU has 256-bit
 * vectors; nothing else refers to it, so shm4j never needs the module.
 *
 * <p>Every sum keeps exactly the scalar kernels' order: per block of {@link Kernels#BLOCK}
 * elements, sixteen accumulators (four 256-bit vectors of four doubles; element {@code i} goes
 * to accumulator {@code i % 16}), the tail added to accumulator 0, the accumulators combined in
 * the same tree, the blocks added in order. So SIMD and scalar results are bit-identical, and a
 * test can compare them exactly. nansum sums each block plainly, as the scalar kernel does, and
 * re-sums it with a mask ({@code x == x}) only when that sum is NaN (the block is then in L1),
 * so without NaN it costs what sum costs; the mask gives the scalar kernel's bits: an
 * accumulator that starts at +0.0 never becomes -0.0, so skipping a lane equals adding +0.0 to
 * it. min and max follow {@link Math#min}/{@link Math#max}
 * (NaN propagates, -0.0 below 0.0), which is order-free.
 *
 * <p>Stateless and thread-safe.
 */
final class VectorKernels implements Kernels.Simd {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    VectorKernels() {
        if (DoubleVector.SPECIES_PREFERRED.vectorBitSize() < 256) {
            // without 256-bit registers the Vector API runs in Java code: slower than scalar
            throw new UnsupportedOperationException("no 256-bit vectors: preferred="
                    + DoubleVector.SPECIES_PREFERRED.vectorBitSize() + " bits");
        }
    }

    @Override
    public String name() {
        return "vector-api " + D.vectorBitSize() + "-bit";
    }

    // ------------------------------------------------------------------ float64

    @Override
    public double sumF64(MemorySegment s, long off, long n) {
        double total = 0.0;
        for (long b = 0; b < n; b += Kernels.BLOCK) {
            total += sumBlock(s, off + b * Double.BYTES, Math.min(Kernels.BLOCK, n - b));
        }
        return total;
    }

    @Override
    public double nansumF64(MemorySegment s, long off, long n) {
        double total = 0.0;
        for (long b = 0; b < n; b += Kernels.BLOCK) {
            long o = off + b * Double.BYTES;
            long m = Math.min(Kernels.BLOCK, n - b);
            double part = sumBlock(s, o, m);
            if (part != part) {
                part = nansumBlock(s, o, m);
            }
            total += part;
        }
        return total;
    }

    private static double sumBlock(MemorySegment s, long off, long n) {
        DoubleVector v0 = DoubleVector.zero(D), v1 = v0, v2 = v0, v3 = v0;
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            long o = off + i * Double.BYTES;
            v0 = v0.add(DoubleVector.fromMemorySegment(D, s, o, LE));
            v1 = v1.add(DoubleVector.fromMemorySegment(D, s, o + 32, LE));
            v2 = v2.add(DoubleVector.fromMemorySegment(D, s, o + 64, LE));
            v3 = v3.add(DoubleVector.fromMemorySegment(D, s, o + 96, LE));
        }
        double a0 = v0.lane(0);
        for (; i < n; i++) {
            a0 += s.get(Kernels.F64, off + i * Double.BYTES);
        }
        return tree(a0, v0, v1, v2, v3);
    }

    private static double nansumBlock(MemorySegment s, long off, long n) {
        DoubleVector v0 = DoubleVector.zero(D), v1 = v0, v2 = v0, v3 = v0;
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            long o = off + i * Double.BYTES;
            DoubleVector x0 = DoubleVector.fromMemorySegment(D, s, o, LE);
            DoubleVector x1 = DoubleVector.fromMemorySegment(D, s, o + 32, LE);
            DoubleVector x2 = DoubleVector.fromMemorySegment(D, s, o + 64, LE);
            DoubleVector x3 = DoubleVector.fromMemorySegment(D, s, o + 96, LE);
            v0 = v0.add(x0, x0.eq(x0));
            v1 = v1.add(x1, x1.eq(x1));
            v2 = v2.add(x2, x2.eq(x2));
            v3 = v3.add(x3, x3.eq(x3));
        }
        double a0 = v0.lane(0);
        for (; i < n; i++) {
            double x = s.get(Kernels.F64, off + i * Double.BYTES);
            a0 += x != x ? 0.0 : x;
        }
        return tree(a0, v0, v1, v2, v3);
    }

    /** The scalar kernels' combining tree over the sixteen lanes (lane 0 of v0 replaced by a0). */
    private static double tree(double a0, DoubleVector v0, DoubleVector v1, DoubleVector v2, DoubleVector v3) {
        return (((a0 + v0.lane(1)) + (v0.lane(2) + v0.lane(3))) + ((v1.lane(0) + v1.lane(1)) + (v1.lane(2) + v1.lane(3))))
                + (((v2.lane(0) + v2.lane(1)) + (v2.lane(2) + v2.lane(3))) + ((v3.lane(0) + v3.lane(1)) + (v3.lane(2) + v3.lane(3))));
    }

    @Override
    public double minF64(MemorySegment s, long off, long n) {
        return extremeF64(s, off, n, false);
    }

    @Override
    public double maxF64(MemorySegment s, long off, long n) {
        return extremeF64(s, off, n, true);
    }

    private static double extremeF64(MemorySegment s, long off, long n, boolean max) {
        VectorOperators.Binary op = max ? VectorOperators.MAX : VectorOperators.MIN;
        double identity = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        DoubleVector v0 = DoubleVector.broadcast(D, identity), v1 = v0, v2 = v0, v3 = v0;
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            long o = off + i * Double.BYTES;
            v0 = v0.lanewise(op, DoubleVector.fromMemorySegment(D, s, o, LE));
            v1 = v1.lanewise(op, DoubleVector.fromMemorySegment(D, s, o + 32, LE));
            v2 = v2.lanewise(op, DoubleVector.fromMemorySegment(D, s, o + 64, LE));
            v3 = v3.lanewise(op, DoubleVector.fromMemorySegment(D, s, o + 96, LE));
        }
        double acc = v0.lanewise(op, v1).lanewise(op, v2.lanewise(op, v3)).reduceLanes(max ? VectorOperators.MAX : VectorOperators.MIN);
        for (; i < n; i++) {
            double x = s.get(Kernels.F64, off + i * Double.BYTES);
            acc = max ? Math.max(acc, x) : Math.min(acc, x);
        }
        return acc;
    }

    @Override
    public double dotF64(MemorySegment a, long aoff, MemorySegment b, long boff, long n) {
        double total = 0.0;
        for (long k = 0; k < n; k += Kernels.BLOCK) {
            total += dotBlock(a, aoff + k * Double.BYTES, b, boff + k * Double.BYTES, Math.min(Kernels.BLOCK, n - k));
        }
        return total;
    }

    /** One block of {@link #dotF64}, a call of its own (see {@code Kernels.CALL_BLOCK} for why). */
    private static double dotBlock(MemorySegment a, long ao, MemorySegment b, long bo, long m) {
        DoubleVector v0 = DoubleVector.zero(D), v1 = v0, v2 = v0, v3 = v0;
        long end = m & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            long x = ao + i * Double.BYTES;
            long y = bo + i * Double.BYTES;
            v0 = v0.add(DoubleVector.fromMemorySegment(D, a, x, LE).mul(DoubleVector.fromMemorySegment(D, b, y, LE)));
            v1 = v1.add(DoubleVector.fromMemorySegment(D, a, x + 32, LE).mul(DoubleVector.fromMemorySegment(D, b, y + 32, LE)));
            v2 = v2.add(DoubleVector.fromMemorySegment(D, a, x + 64, LE).mul(DoubleVector.fromMemorySegment(D, b, y + 64, LE)));
            v3 = v3.add(DoubleVector.fromMemorySegment(D, a, x + 96, LE).mul(DoubleVector.fromMemorySegment(D, b, y + 96, LE)));
        }
        double a0 = v0.lane(0);
        for (; i < m; i++) {
            a0 += a.get(Kernels.F64, ao + i * Double.BYTES) * b.get(Kernels.F64, bo + i * Double.BYTES);
        }
        return tree(a0, v0, v1, v2, v3);
    }

    // ------------------------------------------------------------------ float32 (summed in double)

    @Override
    public double sumF32(MemorySegment s, long off, long n, boolean skipNaN) {
        double total = 0.0;
        for (long b = 0; b < n; b += Kernels.BLOCK) {
            long o = off + b * Float.BYTES;
            long m = Math.min(Kernels.BLOCK, n - b);
            double part = sumBlockF32(s, o, m);
            if (skipNaN && part != part) {
                part = nansumBlockF32(s, o, m);
            }
            total += part;
        }
        return total;
    }

    private static double sumBlockF32(MemorySegment s, long off, long n) {
        DoubleVector v0 = DoubleVector.zero(D), v1 = v0, v2 = v0, v3 = v0;
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            long o = off + i * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(F, s, o, LE);
            FloatVector y = FloatVector.fromMemorySegment(F, s, o + 32, LE);
            v0 = v0.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0));
            v1 = v1.add((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1));
            v2 = v2.add((DoubleVector) y.convertShape(VectorOperators.F2D, D, 0));
            v3 = v3.add((DoubleVector) y.convertShape(VectorOperators.F2D, D, 1));
        }
        double a0 = v0.lane(0);
        for (; i < n; i++) {
            a0 += s.get(Kernels.F32, off + i * Float.BYTES);
        }
        return tree(a0, v0, v1, v2, v3);
    }

    private static double nansumBlockF32(MemorySegment s, long off, long n) {
        DoubleVector v0 = DoubleVector.zero(D), v1 = v0, v2 = v0, v3 = v0;
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            long o = off + i * Float.BYTES;
            FloatVector x = FloatVector.fromMemorySegment(F, s, o, LE);
            FloatVector y = FloatVector.fromMemorySegment(F, s, o + 32, LE);
            DoubleVector x0 = (DoubleVector) x.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector x1 = (DoubleVector) x.convertShape(VectorOperators.F2D, D, 1);
            DoubleVector x2 = (DoubleVector) y.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector x3 = (DoubleVector) y.convertShape(VectorOperators.F2D, D, 1);
            v0 = v0.add(x0, x0.eq(x0));
            v1 = v1.add(x1, x1.eq(x1));
            v2 = v2.add(x2, x2.eq(x2));
            v3 = v3.add(x3, x3.eq(x3));
        }
        double a0 = v0.lane(0);
        for (; i < n; i++) {
            double x = s.get(Kernels.F32, off + i * Float.BYTES);
            a0 += x != x ? 0.0 : x;
        }
        return tree(a0, v0, v1, v2, v3);
    }

    @Override
    public double extremeF32(MemorySegment s, long off, long n, boolean max) {
        VectorOperators.Binary op = max ? VectorOperators.MAX : VectorOperators.MIN;
        float identity = max ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        FloatVector v0 = FloatVector.broadcast(F, identity), v1 = v0;
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            long o = off + i * Float.BYTES;
            v0 = v0.lanewise(op, FloatVector.fromMemorySegment(F, s, o, LE));
            v1 = v1.lanewise(op, FloatVector.fromMemorySegment(F, s, o + 32, LE));
        }
        double acc = v0.lanewise(op, v1).reduceLanes(max ? VectorOperators.MAX : VectorOperators.MIN);
        for (; i < n; i++) {
            double x = s.get(Kernels.F32, off + i * Float.BYTES);
            acc = max ? Math.max(acc, x) : Math.min(acc, x);
        }
        return acc;
    }
}
