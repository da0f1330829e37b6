package io.shm4j.array;

import io.shm4j.array.internal.Kernels;
import io.shm4j.array.internal.Kernels.Op;
import java.util.Arrays;

/**
 * The reductions of {@link SharedArray} (sum, nansum, min, max, mean, whole or along an axis, and
 * their exact integer forms), over the zero-copy kernels of {@link Kernels}: contiguous data is
 * one run, strided views are visited line by line. Stateless.
 */
final class ArrayReductions {
    private ArrayReductions() {}

    static double sum(SharedArray a) {
        return reduceAll(a, Op.SUM, "sum");
    }

    static double nansum(SharedArray a) {
        return reduceAll(a, Op.NANSUM, "nansum");
    }

    static double min(SharedArray a) {
        return reduceAll(a, Op.MIN, "min");
    }

    static double max(SharedArray a) {
        return reduceAll(a, Op.MAX, "max");
    }

    static double mean(SharedArray a) {
        return sum(a) / a.size;
    }

    static double[] sum(SharedArray a, int axis) {
        return reduceAxis(a, Op.SUM, axis, "sum");
    }

    static double[] nansum(SharedArray a, int axis) {
        return reduceAxis(a, Op.NANSUM, axis, "nansum");
    }

    static double[] min(SharedArray a, int axis) {
        return reduceAxis(a, Op.MIN, axis, "min");
    }

    static double[] max(SharedArray a, int axis) {
        return reduceAxis(a, Op.MAX, axis, "max");
    }

    static double[] mean(SharedArray a, int axis) {
        double[] s = reduceAxis(a, Op.SUM, axis, "mean");
        long n = a.shape[axis];
        for (int i = 0; i < s.length; i++) {
            s[i] /= n;
        }
        return s;
    }

    static long sumLong(SharedArray a) {
        a.needReal("sumLong");
        if (a.dtype.kind() == DType.Kind.FLOAT || a.dtype.kind() == DType.Kind.DATETIME) {
            throw a.mismatch("sumLong");
        }
        a.checkOpen();
        long[] acc = {0};
        a.forEachLine(true, (off, n, stride) -> acc[0] += Kernels.sumLong(a.dtype, a.data, off, n, stride));
        return acc[0];
    }

    static long minLong(SharedArray a) {
        return extremeLong(a, false);
    }

    static long maxLong(SharedArray a) {
        return extremeLong(a, true);
    }

    private static long extremeLong(SharedArray a, boolean max) {
        a.needReal(max ? "maxLong" : "minLong");
        if (a.dtype.kind() == DType.Kind.FLOAT) {
            throw a.mismatch(max ? "maxLong" : "minLong");
        }
        a.checkOpen();
        if (a.size == 0) {
            throw emptyReduction(a, max ? "max" : "min");
        }
        long[] acc = new long[1];
        boolean[] first = {true};
        boolean unsigned = a.dtype == DType.UINT64;
        a.forEachLine(true, (off, n, stride) -> {
            if (n == 0) {
                return;
            }
            long x = Kernels.extremeLong(a.dtype, a.data, off, n, stride, max);
            int c = unsigned ? Long.compareUnsigned(x, acc[0]) : Long.compare(x, acc[0]);
            if (first[0] || (max ? c > 0 : c < 0)) {
                acc[0] = x;
                first[0] = false;
            }
        });
        return acc[0];
    }

    private static double reduceAll(SharedArray a, Op op, String what) {
        a.checkOpen();
        checkReducible(a, op, what);
        if (a.size == 0) {
            if (op == Op.MIN || op == Op.MAX) {
                throw emptyReduction(a, what);
            }
            return 0.0;
        }
        double[] acc = {op.identity()};
        a.forEachLine(true, (off, n, stride) -> acc[0] = op.merge(acc[0], Kernels.reduce(op, a.dtype, a.data, off, n, stride)));
        return acc[0];
    }

    private static double[] reduceAxis(SharedArray a, Op op, int axis, String what) {
        a.checkOpen();
        checkReducible(a, op, what);
        if (a.shape.length != 2) {
            throw new ShapeException(what + " along an axis needs a 2-d array: ndim=" + a.shape.length
                    + "; reduce the whole array, or reshape it to 2-d");
        }
        if (axis != 0 && axis != 1) {
            throw new ShapeException("axis out of range: axis=" + axis + ", ndim=2; use 0 or 1");
        }
        int other = 1 - axis;
        long nOut = a.shape[other];
        long nIn = a.shape[axis];
        if (nOut > Integer.MAX_VALUE - 8) {
            throw new ShapeException("too many results for a Java array: count=" + nOut);
        }
        double[] out = new double[(int) nOut];
        if (nIn == 0 && nOut > 0 && (op == Op.MIN || op == Op.MAX)) {
            throw emptyReduction(a, what);
        }
        Arrays.fill(out, op.identity());
        if (Math.abs(a.strides[axis]) > Math.abs(a.strides[other])) {
            // the reduced axis is the outer one in memory: add whole lines into the results
            for (long i = 0; i < nIn; i++) {
                Kernels.accumulate(op, a.dtype, a.data, a.offset + i * a.strides[axis], nOut, a.strides[other], out);
            }
        } else {
            for (int j = 0; j < nOut; j++) {
                out[j] = Kernels.reduce(op, a.dtype, a.data, a.offset + j * a.strides[other], nIn, a.strides[axis]);
            }
        }
        return out;
    }

    private static void checkReducible(SharedArray a, Op op, String what) {
        a.needReal(what);
        if ((op == Op.SUM || op == Op.NANSUM) && !a.dtype.isSummable()) {
            throw new DTypeMismatchException("cannot " + what + " datetime64 values: dtype=" + a.dtype
                    + "; use min/max (minLong/maxLong), or convert to int64");
        }
    }

    private static EmptyReductionException emptyReduction(SharedArray a, String what) {
        return new EmptyReductionException("zero-size array to reduction operation " + what
                + " which has no identity: shape=" + NpyLayout.shapeString(a.shape) + "; check size() first");
    }

}
