package io.shm4j.array;

import io.shm4j.array.internal.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * Bulk copies between a {@link SharedArray} (any view, contiguous in one copy, strided line by
 * line) and Java arrays, and fills. Stateless.
 */
final class ArrayCopies {
    private ArrayCopies() {}

    static void fill(SharedArray a, double value) {
        a.needReal("fill");
        a.needWritable();
        a.checkOpen();
        if (a.dtype == DType.FLOAT64 && a.isCContiguous()) {
            fillContiguous(a, Double.doubleToRawLongBits(value));
            return;
        }
        a.forEachLine(true, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                Kernels.writeDouble(a.dtype, a.data, off + i * stride, value);
            }
        });
    }

    static void fill(SharedArray a, long value) {
        a.needReal("fill");
        a.needWritable();
        a.checkOpen();
        a.forEachLine(true, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                Kernels.writeLong(a.dtype, a.data, off + i * stride, value);
            }
        });
    }

    private static void fillContiguous(SharedArray a, long bits) {
        MemorySegment region = a.data.asSlice(a.offset, a.size * 8);
        if (bits == 0) {
            region.fill((byte) 0);
            return;
        }
        for (long o = 0; o < region.byteSize(); o += 8) {
            region.set(Kernels.I64, o, bits);
        }
    }

    static Object toArray(SharedArray a) {
        a.checkOpen();
        int n = javaLength(a);
        Object out = switch (a.dtype) {
            case FLOAT64 -> new double[n];
            case FLOAT32 -> new float[n];
            case INT64, UINT64, DATETIME64_NS, DATETIME64_US, DATETIME64_MS, DATETIME64_S, DATETIME64_D,
                    TIMEDELTA64_NS, TIMEDELTA64_US, TIMEDELTA64_MS, TIMEDELTA64_S, TIMEDELTA64_D -> new long[n];
            case INT32, UINT32 -> new int[n];
            case INT16, UINT16, FLOAT16 -> new short[n];
            case INT8, UINT8 -> new byte[n];
            case BOOL -> new boolean[n];
            case COMPLEX64, COMPLEX128, RECORD -> throw a.mismatch("toArray");
        };
        copyOut(a, out);
        return out;
    }

    static double[] toDoubleArray(SharedArray a) {
        if (a.dtype == DType.FLOAT64) {
            return (double[]) toArray(a);
        }
        a.needReal("toDoubleArray");
        a.checkOpen();
        double[] out = new double[javaLength(a)];
        int[] k = {0};
        a.forEachLine(false, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                out[k[0]++] = Kernels.readDouble(a.dtype, a.data, off + i * stride);
            }
        });
        return out;
    }

    static long[] toLongArray(SharedArray a) {
        a.needReal("toLongArray");
        if (a.dtype.kind() == DType.Kind.FLOAT) {
            throw a.mismatch("toLongArray");
        }
        a.checkOpen();
        long[] out = new long[javaLength(a)];
        int[] k = {0};
        a.forEachLine(false, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                out[k[0]++] = Kernels.readLong(a.dtype, a.data, off + i * stride);
            }
        });
        return out;
    }

    static void copyFrom(SharedArray a, Object javaArray) {
        a.needWritable();
        a.checkOpen();
        long n = java.lang.reflect.Array.getLength(java.util.Objects.requireNonNull(javaArray, "javaArray"));
        if (n != a.size) {
            throw new ShapeException("Java array length does not match the array: length=" + n + ", size=" + a.size
                    + ", shape=" + NpyLayout.shapeString(a.shape));
        }
        NpyImage image = NpyImage.of(a.dtype, null, javaArray); // checks the Java array's width
        if (a.isCContiguous()) {
            image.writeData(a.data.asSlice(a.offset));
            return;
        }
        int[] k = {0};
        a.forEachLine(false, (off, cnt, stride) -> {
            for (long i = 0; i < cnt; i++) {
                writeJavaElement(a, javaArray, k[0]++, off + i * stride);
            }
        });
    }

    private static int javaLength(SharedArray a) {
        if (a.size > Integer.MAX_VALUE - 8) {
            throw new ShapeException("too many elements for a Java array: size=" + a.size
                    + "; copy it out in slices (slice(from, to).toArray())");
        }
        return (int) a.size;
    }

    private static void copyOut(SharedArray a, Object out) {
        if (a.isCContiguous() && !(out instanceof boolean[])) {
            MemorySegment.copy(a.data, a.dtype.layout(), a.offset, out, 0, (int) a.size);
            return;
        }
        int[] k = {0};
        a.forEachLine(false, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                readJavaElement(a, out, k[0]++, off + i * stride);
            }
        });
    }

    private static void readJavaElement(SharedArray arr, Object out, int i, long off) {
        switch (out) {
            case double[] a -> a[i] = arr.data.get(Kernels.F64, off);
            case float[] a -> a[i] = arr.data.get(Kernels.F32, off);
            case long[] a -> a[i] = arr.data.get(Kernels.I64, off);
            case int[] a -> a[i] = arr.data.get(Kernels.I32, off);
            case short[] a -> a[i] = arr.data.get(Kernels.I16, off);
            case byte[] a -> a[i] = arr.data.get(Kernels.I8, off);
            case boolean[] a -> a[i] = arr.data.get(Kernels.I8, off) != 0;
            default -> throw new IllegalArgumentException("not a primitive array: " + out.getClass());
        }
    }

    private static void writeJavaElement(SharedArray arr, Object in, int i, long off) {
        switch (in) {
            case double[] a -> arr.data.set(Kernels.F64, off, a[i]);
            case float[] a -> arr.data.set(Kernels.F32, off, a[i]);
            case long[] a -> arr.data.set(Kernels.I64, off, a[i]);
            case int[] a -> arr.data.set(Kernels.I32, off, a[i]);
            case short[] a -> arr.data.set(Kernels.I16, off, a[i]);
            case byte[] a -> arr.data.set(Kernels.I8, off, a[i]);
            case boolean[] a -> arr.data.set(Kernels.I8, off, (byte) (a[i] ? 1 : 0));
            default -> throw new IllegalArgumentException("not a primitive array: " + in.getClass());
        }
    }

}
