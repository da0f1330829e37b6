package io.shm4j.array.internal;

import io.shm4j.array.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The loops behind reductions, fills and conversions: one generic core per operation over a
 * <i>line</i> of elements ({@code n} elements from byte offset {@code off}, {@code stride} bytes
 * apart) of any {@link DType}, with hand-unrolled fast paths for contiguous {@code float64}.
 *
 * <p>The fast paths keep sixteen independent accumulators over long-indexed
 * {@link MemorySegment#get(ValueLayout.OfDouble, long)} calls with the aligned little-endian
 * layout: C2 hoists the bounds and liveness checks out of the loop, and the accumulators hide
 * the 4-cycle latency of {@code addsd}, so one core reads at memory bandwidth (measured equal to
 * the unaligned layout and to a heap {@code double[]}; see {@code shm4j-bench}).
 * {@code nansum} runs the same loop per block of {@link #BLOCK} elements and only re-sums a block
 * with NaN masking when its plain sum is NaN; the block is then in L1, so nansum costs what sum
 * costs, and with no NaN both give bit-identical results.
 *
 * <p>When the JVM has the incubating Vector API ({@code --add-modules jdk.incubator.vector}; the
 * pool's workers, the tests and the benchmarks pass it) and the CPU has 256-bit vectors,
 * contiguous float64/float32 sum, nansum, min, max and dot over lines of at least
 * {@link #SIMD_MIN_LENGTH} elements run in {@code VectorKernels} instead, loaded reflectively on
 * the first such line so that the module stays optional and a process that only reduces short
 * lines never loads the Vector API (its first use costs tens of milliseconds of class loading
 * and interpreted vector code). {@value #SIMD_PROPERTY}{@code =false} keeps the scalar kernels.
 * Both kernels add in the same order (sixteen accumulators per block, one combining tree) and
 * return bit-identical results, so the choice never changes an answer. Measured on two hosts
 * (ArraySumBenchmark, 1.5 GB, interleaved with NumPy's {@code a.sum()} on the same segment): on
 * an Intel Xeon the scalar kernel was faster (48 vs 65 ms, NumPy 100 ms), on an AMD EPYC the
 * SIMD one (76–82 vs 105 ms, NumPy 97–99 ms); only the SIMD kernel is at or below NumPy on both,
 * so it is the default.
 *
 * <p>Stateless and thread-safe. Offsets must be aligned to the element size (every {@code .npy}
 * shm4j accepts has its data so aligned).
 */
public final class Kernels {
    /** System property: {@code false} keeps the scalar kernels even where the JVM has the Vector API (default true). */
    public static final String SIMD_PROPERTY = "shm4j.simd";

    /**
     * Shortest contiguous line the SIMD kernels reduce (256 Ki elements, 2 MiB of float64: a
     * tenth of a millisecond in either kernel); shorter lines stay scalar.
     */
    public static final long SIMD_MIN_LENGTH = 1L << 18;

    /** The SIMD reductions over contiguous runs; see {@code VectorKernels}. */
    interface Simd {
        String name();

        double sumF64(MemorySegment s, long off, long n);

        double nansumF64(MemorySegment s, long off, long n);

        double minF64(MemorySegment s, long off, long n);

        double maxF64(MemorySegment s, long off, long n);

        double dotF64(MemorySegment a, long aoff, MemorySegment b, long boff, long n);

        double sumF32(MemorySegment s, long off, long n, boolean skipNaN);

        double extremeF32(MemorySegment s, long off, long n, boolean max);
    }

    /** The SIMD kernels in force, or null (scalar), loaded on first use. Final, so the JIT folds the choice away. */
    private static final class InForce {
        static final Simd SIMD = loadSimd();
    }

    /** The SIMD kernels for a contiguous line of {@code n} elements, or null for the scalar ones. */
    static Simd simdFor(long n) {
        return n >= SIMD_MIN_LENGTH ? InForce.SIMD : null;
    }

    /** Elements per nansum block (16 KiB of float64: well inside L1). */
    public static final int BLOCK = 2048;

    public static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    /** The reductions, each with its identity and its NumPy semantics for NaN. */
    public enum Op {
        /** Sum; NaN propagates; identity +0.0 (so a sum of -0.0 values is +0.0, as in NumPy 2). */
        SUM(0.0),
        /** Sum treating NaN as +0.0 (NumPy's {@code nansum}). */
        NANSUM(0.0),
        /** Minimum; NaN propagates; no identity (empty input is the caller's error). */
        MIN(Double.POSITIVE_INFINITY),
        /** Maximum; NaN propagates; no identity. */
        MAX(Double.NEGATIVE_INFINITY);

        private final double identity;

        Op(double identity) {
            this.identity = identity;
        }

        /** The value a reduction starts from. */
        public double identity() {
            return identity;
        }

        /** Combines an accumulated value with one element or one partial result. */
        public double combine(double acc, double x) {
            return switch (this) {
                case SUM -> acc + x;
                case NANSUM -> x != x ? acc + 0.0 : acc + x;
                case MIN -> Math.min(acc, x);
                case MAX -> Math.max(acc, x);
            };
        }

        /** Combines two partial results of this reduction. */
        public double merge(double a, double b) {
            return this == NANSUM ? a + b : combine(a, b);
        }
    }

    private Kernels() {}

    private static Simd loadSimd() {
        if (!Boolean.parseBoolean(System.getProperty(SIMD_PROPERTY, "true").trim())
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        return newVectorKernels();
    }

    /** A new VectorKernels, or null where the Vector API is missing or has no 256-bit vectors. */
    static Simd newVectorKernels() {
        try {
            return (Simd) Class.forName(Kernels.class.getPackageName() + ".VectorKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null; // no module at run time, or no 256-bit vectors: the scalar kernels serve
        }
    }

    /** The SIMD kernels whatever {@value #SIMD_PROPERTY} says, made on first use (for benchmarks). */
    private static final class AnySimd {
        static final Simd V = newVectorKernels();
    }

    /**
     * For benchmarks: the SIMD float64 sum whether or not it is the default, or NaN where the JVM
     * lacks the Vector API or 256-bit vectors.
     */
    public static double simdSumF64(MemorySegment s, long off, long n) {
        Simd v = AnySimd.V;
        return v == null ? Double.NaN : v.sumF64(s, off, n);
    }

    /** For benchmarks: the SIMD float64 nansum whether or not it is the default, or NaN without it. */
    public static double simdNansumF64(MemorySegment s, long off, long n) {
        Simd v = AnySimd.V;
        return v == null ? Double.NaN : v.nansumF64(s, off, n);
    }

    /** Which reduction kernels run on long lines: {@code "scalar"} or the SIMD kernels' name. */
    public static String implementation() {
        Simd v = InForce.SIMD;
        return v == null ? "scalar" : v.name();
    }

    // ------------------------------------------------------------------ reductions in double

    /**
     * Elements per call of a loop that no kernel cuts into blocks already: min and max of float
     * lines, the generic path (strided lines, other dtypes), the long reductions and the strided
     * dot product (contiguous float sums and dot products run a call per {@link #BLOCK}). Cut
     * into calls because closing any shared arena of the process (another thread closing an
     * array, a dataset follower unmapping a replaced version)
     * makes HotSpot deoptimize the top frame of a thread in compiled code with memory-segment
     * accesses: a reduction in one loop over 1.5 GB would go on in the interpreter, a reduction in
     * calls loses about one block (docs/dataset.md, "Closing a version and the JIT"). Each call
     * carries the running value, so the order of the additions, and the results, are those of
     * one loop.
     */
    static final long CALL_BLOCK = 4096;

    /** Reduces one line to a double, starting from {@code op.identity()}. */
    public static double reduce(Op op, DType t, MemorySegment s, long off, long n, long stride) {
        Simd v = simdFor(n); // judged on the whole line, also when min and max run it in calls
        if ((op == Op.MIN || op == Op.MAX) && n > CALL_BLOCK) {
            double acc = op.identity();
            for (long b = 0; b < n; b += CALL_BLOCK) {
                acc = op.combine(acc, reduceLine(op, t, s, off + b * stride, Math.min(CALL_BLOCK, n - b), stride, v));
            }
            return acc;
        }
        return reduceLine(op, t, s, off, n, stride, v);
    }

    private static double reduceLine(Op op, DType t, MemorySegment s, long off, long n, long stride, Simd v) {
        if (t == DType.FLOAT64 && stride == Double.BYTES) {
            if (v != null) {
                return switch (op) {
                    case SUM -> v.sumF64(s, off, n);
                    case NANSUM -> v.nansumF64(s, off, n);
                    case MIN -> v.minF64(s, off, n);
                    case MAX -> v.maxF64(s, off, n);
                };
            }
            return switch (op) {
                case SUM -> sumF64(s, off, n);
                case NANSUM -> nansumF64(s, off, n);
                case MIN -> minF64(s, off, n);
                case MAX -> maxF64(s, off, n);
            };
        }
        if (t == DType.FLOAT32 && stride == Float.BYTES) {
            if (v != null) {
                return switch (op) {
                    case SUM -> v.sumF32(s, off, n, false);
                    case NANSUM -> v.sumF32(s, off, n, true);
                    case MIN -> v.extremeF32(s, off, n, false);
                    case MAX -> v.extremeF32(s, off, n, true);
                };
            }
            return reduceF32(op, s, off, n);
        }
        double acc = op.identity();
        for (long b = 0; b < n; b += CALL_BLOCK) {
            acc = fold(op, t, s, off + b * stride, Math.min(CALL_BLOCK, n - b), stride, acc);
        }
        return acc;
    }

    /** {@code acc} combined with each of {@code n} elements in order (one block of {@link #reduce}'s generic path). */
    private static double fold(Op op, DType t, MemorySegment s, long off, long n, long stride, double acc) {
        for (long i = 0; i < n; i++) {
            acc = op.combine(acc, readDouble(t, s, off + i * stride));
        }
        return acc;
    }

    /** {@code out[j] = op(out[j], element j of the line)}: accumulates a line into a row of results. */
    public static void accumulate(Op op, DType t, MemorySegment s, long off, long n, long stride, double[] out) {
        for (int j = 0; j < n; j++) {
            out[j] = op.combine(out[j], readDouble(t, s, off + j * stride));
        }
    }

    /** Scalar sum of contiguous float64, sixteen accumulators, in blocks (the same order nansum uses). */
    public static double sumF64(MemorySegment s, long off, long n) {
        double total = 0.0;
        for (long b = 0; b < n; b += BLOCK) {
            total += sum16(s, off + b * Double.BYTES, Math.min(BLOCK, n - b));
        }
        return total;
    }

    /** Scalar nansum of contiguous float64: plain block sums, re-summed with masking only where NaN. */
    public static double nansumF64(MemorySegment s, long off, long n) {
        double total = 0.0;
        for (long b = 0; b < n; b += BLOCK) {
            long o = off + b * Double.BYTES;
            long m = Math.min(BLOCK, n - b);
            double part = sum16(s, o, m);
            if (part != part) {
                part = nansum16(s, o, m);
            }
            total += part;
        }
        return total;
    }

    private static double sum16(MemorySegment s, long off, long n) {
        // 16 independent accumulators: enough loads in flight to run at one core's memory
        // bandwidth (8 were ~10% slower on a 1.5 GB array). Index-based: C2 compiles this to a
        // clean unrolled loop; an offset-stepping loop was 40% slower.
        double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, a4 = 0.0, a5 = 0.0, a6 = 0.0, a7 = 0.0;
        double c0 = 0.0, c1 = 0.0, c2 = 0.0, c3 = 0.0, c4 = 0.0, c5 = 0.0, c6 = 0.0, c7 = 0.0;
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            long o = off + i * Double.BYTES;
            a0 += s.get(F64, o);
            a1 += s.get(F64, o + 8);
            a2 += s.get(F64, o + 16);
            a3 += s.get(F64, o + 24);
            a4 += s.get(F64, o + 32);
            a5 += s.get(F64, o + 40);
            a6 += s.get(F64, o + 48);
            a7 += s.get(F64, o + 56);
            c0 += s.get(F64, o + 64);
            c1 += s.get(F64, o + 72);
            c2 += s.get(F64, o + 80);
            c3 += s.get(F64, o + 88);
            c4 += s.get(F64, o + 96);
            c5 += s.get(F64, o + 104);
            c6 += s.get(F64, o + 112);
            c7 += s.get(F64, o + 120);
        }
        for (; i < n; i++) {
            a0 += s.get(F64, off + i * Double.BYTES);
        }
        return (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)))
                + (((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)));
    }

    /** nansum of one block in sum16's order (so a block without NaN gives sum16's bits). */
    private static double nansum16(MemorySegment s, long off, long n) {
        double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, a4 = 0.0, a5 = 0.0, a6 = 0.0, a7 = 0.0;
        double c0 = 0.0, c1 = 0.0, c2 = 0.0, c3 = 0.0, c4 = 0.0, c5 = 0.0, c6 = 0.0, c7 = 0.0;
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            long o = off + i * Double.BYTES;
            double x0 = s.get(F64, o);
            double x1 = s.get(F64, o + 8);
            double x2 = s.get(F64, o + 16);
            double x3 = s.get(F64, o + 24);
            double x4 = s.get(F64, o + 32);
            double x5 = s.get(F64, o + 40);
            double x6 = s.get(F64, o + 48);
            double x7 = s.get(F64, o + 56);
            double x8 = s.get(F64, o + 64);
            double x9 = s.get(F64, o + 72);
            double x10 = s.get(F64, o + 80);
            double x11 = s.get(F64, o + 88);
            double x12 = s.get(F64, o + 96);
            double x13 = s.get(F64, o + 104);
            double x14 = s.get(F64, o + 112);
            double x15 = s.get(F64, o + 120);
            a0 += x0 != x0 ? 0.0 : x0;
            a1 += x1 != x1 ? 0.0 : x1;
            a2 += x2 != x2 ? 0.0 : x2;
            a3 += x3 != x3 ? 0.0 : x3;
            a4 += x4 != x4 ? 0.0 : x4;
            a5 += x5 != x5 ? 0.0 : x5;
            a6 += x6 != x6 ? 0.0 : x6;
            a7 += x7 != x7 ? 0.0 : x7;
            c0 += x8 != x8 ? 0.0 : x8;
            c1 += x9 != x9 ? 0.0 : x9;
            c2 += x10 != x10 ? 0.0 : x10;
            c3 += x11 != x11 ? 0.0 : x11;
            c4 += x12 != x12 ? 0.0 : x12;
            c5 += x13 != x13 ? 0.0 : x13;
            c6 += x14 != x14 ? 0.0 : x14;
            c7 += x15 != x15 ? 0.0 : x15;
        }
        for (; i < n; i++) {
            double x = s.get(F64, off + i * Double.BYTES);
            a0 += x != x ? 0.0 : x;
        }
        return (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)))
                + (((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)));
    }

    /**
     * sum16's order over float64 ({@code width} 8) or float32 ({@code width} 4, widened) with
     * NaN skipped (each NaN adds +0.0, which leaves an accumulator unchanged).
     */
    private static double masked16(MemorySegment s, long off, long n, int width) {
        double[] a = new double[16];
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            for (int j = 0; j < 16; j++) {
                double x = element(s, off + (i + j) * width, width);
                a[j] += x != x ? 0.0 : x;
            }
        }
        for (; i < n; i++) {
            double x = element(s, off + i * width, width);
            a[0] += x != x ? 0.0 : x;
        }
        return tree(a);
    }

    /** sum16's order over float32, widened to double. */
    private static double plain16F32(MemorySegment s, long off, long n) {
        double[] a = new double[16];
        long end = n & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            for (int j = 0; j < 16; j++) {
                a[j] += s.get(F32, off + (i + j) * Float.BYTES);
            }
        }
        for (; i < n; i++) {
            a[0] += s.get(F32, off + i * Float.BYTES);
        }
        return tree(a);
    }

    private static double element(MemorySegment s, long off, int width) {
        return width == Double.BYTES ? s.get(F64, off) : s.get(F32, off);
    }

    /** sum16's combining tree. */
    private static double tree(double[] a) {
        return (((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])))
                + (((a[8] + a[9]) + (a[10] + a[11])) + ((a[12] + a[13]) + (a[14] + a[15])));
    }

    static double minF64(MemorySegment s, long off, long n) {
        double a0 = Double.POSITIVE_INFINITY, a1 = a0, a2 = a0, a3 = a0;
        long end = n & ~3L;
        long i = 0;
        for (; i < end; i += 4) {
            long o = off + i * Double.BYTES;
            a0 = Math.min(a0, s.get(F64, o));
            a1 = Math.min(a1, s.get(F64, o + 8));
            a2 = Math.min(a2, s.get(F64, o + 16));
            a3 = Math.min(a3, s.get(F64, o + 24));
        }
        for (; i < n; i++) {
            a0 = Math.min(a0, s.get(F64, off + i * Double.BYTES));
        }
        return Math.min(Math.min(a0, a1), Math.min(a2, a3));
    }

    static double maxF64(MemorySegment s, long off, long n) {
        double a0 = Double.NEGATIVE_INFINITY, a1 = a0, a2 = a0, a3 = a0;
        long end = n & ~3L;
        long i = 0;
        for (; i < end; i += 4) {
            long o = off + i * Double.BYTES;
            a0 = Math.max(a0, s.get(F64, o));
            a1 = Math.max(a1, s.get(F64, o + 8));
            a2 = Math.max(a2, s.get(F64, o + 16));
            a3 = Math.max(a3, s.get(F64, o + 24));
        }
        for (; i < n; i++) {
            a0 = Math.max(a0, s.get(F64, off + i * Double.BYTES));
        }
        return Math.max(Math.max(a0, a1), Math.max(a2, a3));
    }

    static double reduceF32(Op op, MemorySegment s, long off, long n) {
        if (op == Op.SUM || op == Op.NANSUM) { // sum16's order, in blocks, as the SIMD kernel
            double total = 0.0;
            for (long b = 0; b < n; b += BLOCK) {
                long o = off + b * Float.BYTES;
                long m = Math.min(BLOCK, n - b);
                total += op == Op.SUM ? plain16F32(s, o, m) : masked16(s, o, m, Float.BYTES);
            }
            return total;
        }
        double a0 = op.identity(), a1 = a0, a2 = a0, a3 = a0;
        long i = 0;
        for (; i + 4 <= n; i += 4) {
            long o = off + i * Float.BYTES;
            a0 = op.combine(a0, s.get(F32, o));
            a1 = op.combine(a1, s.get(F32, o + 4));
            a2 = op.combine(a2, s.get(F32, o + 8));
            a3 = op.combine(a3, s.get(F32, o + 12));
        }
        for (; i < n; i++) {
            a0 = op.combine(a0, s.get(F32, off + i * Float.BYTES));
        }
        return op.merge(op.merge(a0, a1), op.merge(a2, a3));
    }

    // ------------------------------------------------------------------ dot product

    /**
     * Sum of products of two float64 lines of {@code n} elements (no fused multiply-add: each
     * product is rounded, then added, in sum16's order when both are contiguous).
     */
    public static double dot(MemorySegment a, long aoff, long astride, MemorySegment b, long boff, long bstride, long n) {
        if (astride == Double.BYTES && bstride == Double.BYTES) {
            Simd v = simdFor(n);
            return v != null ? v.dotF64(a, aoff, b, boff, n) : dotF64(a, aoff, b, boff, n);
        }
        double acc = 0.0;
        for (long k = 0; k < n; k += CALL_BLOCK) {
            acc = dotStrided(a, aoff + k * astride, astride, b, boff + k * bstride, bstride, Math.min(CALL_BLOCK, n - k), acc);
        }
        return acc;
    }

    /** {@code acc} plus the products of {@code n} strided pairs, in order (a call per block: see {@link #CALL_BLOCK}). */
    private static double dotStrided(MemorySegment a, long aoff, long astride, MemorySegment b, long boff, long bstride,
            long n, double acc) {
        for (long i = 0; i < n; i++) {
            acc += a.get(F64, aoff + i * astride) * b.get(F64, boff + i * bstride);
        }
        return acc;
    }

    /** The scalar contiguous dot product, in sum16's order. */
    static double dotF64(MemorySegment a, long aoff, MemorySegment b, long boff, long n) {
        double total = 0.0;
        for (long k = 0; k < n; k += BLOCK) {
            total += dotBlock(a, aoff + k * Double.BYTES, b, boff + k * Double.BYTES, Math.min(BLOCK, n - k));
        }
        return total;
    }

    /** One block of {@link #dotF64}, a call of its own (see {@link #CALL_BLOCK}). */
    private static double dotBlock(MemorySegment a, long ao, MemorySegment b, long bo, long m) {
        double[] acc = new double[16];
        long end = m & ~15L;
        long i = 0;
        for (; i < end; i += 16) {
            for (int j = 0; j < 16; j++) {
                long o = (i + j) * Double.BYTES;
                acc[j] += a.get(F64, ao + o) * b.get(F64, bo + o);
            }
        }
        for (; i < m; i++) {
            acc[0] += a.get(F64, ao + i * Double.BYTES) * b.get(F64, bo + i * Double.BYTES);
        }
        return tree(acc);
    }

    // ------------------------------------------------------------------ reductions in long

    /** Wrapping sum of an integer, bool or datetime line as long (NumPy's int64/uint64 sum). */
    public static long sumLong(DType t, MemorySegment s, long off, long n, long stride) {
        long acc = 0;
        for (long b = 0; b < n; b += CALL_BLOCK) {
            acc += sumLongBlock(t, s, off + b * stride, Math.min(CALL_BLOCK, n - b), stride);
        }
        return acc;
    }

    private static long sumLongBlock(DType t, MemorySegment s, long off, long n, long stride) {
        long acc = 0;
        for (long i = 0; i < n; i++) {
            acc += readLong(t, s, off + i * stride);
        }
        return acc;
    }

    /** Minimum ({@code max == false}) or maximum of a non-empty line as long; uint64 compares unsigned. */
    public static long extremeLong(DType t, MemorySegment s, long off, long n, long stride, boolean max) {
        long acc = readLong(t, s, off);
        for (long b = 1; b < n; b += CALL_BLOCK) {
            acc = extremeLongBlock(t, s, off + b * stride, Math.min(CALL_BLOCK, n - b), stride, max, acc);
        }
        return acc;
    }

    private static long extremeLongBlock(DType t, MemorySegment s, long off, long n, long stride, boolean max,
            long acc) {
        boolean unsigned = t == DType.UINT64;
        for (long i = 0; i < n; i++) {
            long x = readLong(t, s, off + i * stride);
            int c = unsigned ? Long.compareUnsigned(x, acc) : Long.compare(x, acc);
            if (max ? c > 0 : c < 0) {
                acc = x;
            }
        }
        return acc;
    }

    // ------------------------------------------------------------------ elements

    /** One element as double (unsigned types exactly, bool 0/1, datetime64 its count). */
    public static double readDouble(DType t, MemorySegment s, long off) {
        return switch (t) {
            case FLOAT64 -> s.get(F64, off);
            case FLOAT32 -> s.get(F32, off);
            case UINT64 -> unsignedToDouble(s.get(I64, off));
            case FLOAT16 -> Float.float16ToFloat(s.get(I16, off));
            default -> readLong(t, s, off);
        };
    }

    /** One integer-like element as long, widened (unsigned types zero-extended; uint64 as its bits). */
    public static long readLong(DType t, MemorySegment s, long off) {
        return switch (t) {
            case INT64, UINT64, DATETIME64_NS, DATETIME64_US, DATETIME64_MS, DATETIME64_S, DATETIME64_D,
                    TIMEDELTA64_NS, TIMEDELTA64_US, TIMEDELTA64_MS, TIMEDELTA64_S, TIMEDELTA64_D -> s.get(I64, off);
            case INT32 -> s.get(I32, off);
            case UINT32 -> Integer.toUnsignedLong(s.get(I32, off));
            case INT16 -> s.get(I16, off);
            case UINT16 -> Short.toUnsignedInt(s.get(I16, off));
            case INT8 -> s.get(I8, off);
            case UINT8 -> Byte.toUnsignedInt(s.get(I8, off));
            case BOOL -> s.get(I8, off) != 0 ? 1 : 0;
            case FLOAT64 -> (long) s.get(F64, off);
            case FLOAT32 -> (long) s.get(F32, off);
            case FLOAT16 -> (long) Float.float16ToFloat(s.get(I16, off));
            case COMPLEX64, COMPLEX128, RECORD -> throw new IllegalArgumentException("not a real number: dtype=" + t);
        };
    }

    /** Writes a double cast to the element type (truncating toward zero for integers, as NumPy's astype; bool: non-zero). */
    public static void writeDouble(DType t, MemorySegment s, long off, double v) {
        switch (t) {
            case FLOAT64 -> s.set(F64, off, v);
            case FLOAT32 -> s.set(F32, off, (float) v);
            case BOOL -> s.set(I8, off, (byte) (v != 0.0 ? 1 : 0));
            case UINT64 -> s.set(I64, off, doubleToUnsigned(v));
            case FLOAT16 -> s.set(I16, off, Float.floatToFloat16((float) v));
            default -> writeLong(t, s, off, (long) v);
        }
    }

    /** Writes a long narrowed to the element type (two's complement wrap, as NumPy's astype; bool: non-zero). */
    public static void writeLong(DType t, MemorySegment s, long off, long v) {
        switch (t) {
            case FLOAT64 -> s.set(F64, off, (double) v);
            case FLOAT32 -> s.set(F32, off, (float) v);
            case INT64, UINT64, DATETIME64_NS, DATETIME64_US, DATETIME64_MS, DATETIME64_S, DATETIME64_D,
                    TIMEDELTA64_NS, TIMEDELTA64_US, TIMEDELTA64_MS, TIMEDELTA64_S, TIMEDELTA64_D -> s.set(I64, off, v);
            case INT32, UINT32 -> s.set(I32, off, (int) v);
            case INT16, UINT16 -> s.set(I16, off, (short) v);
            case INT8, UINT8 -> s.set(I8, off, (byte) v);
            case BOOL -> s.set(I8, off, (byte) (v != 0 ? 1 : 0));
            case FLOAT16 -> s.set(I16, off, Float.floatToFloat16((float) v));
            case COMPLEX64, COMPLEX128, RECORD -> throw new IllegalArgumentException("not a real number: dtype=" + t);
        }
    }

    /** The value of a uint64 held in a long's bits, as the nearest double. */
    public static double unsignedToDouble(long x) {
        if (x >= 0) {
            return x;
        }
        return ((double) ((x >>> 1) | (x & 1))) * 2.0;
    }

    private static long doubleToUnsigned(double v) {
        if (v < 0x1p63) {
            return (long) v;
        }
        return ((long) (v / 2.0)) << 1;
    }
}
