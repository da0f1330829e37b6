package io.shm4j.store.internal;

import io.shm4j.array.DType;
import io.shm4j.array.DTypeMismatchException;
import io.shm4j.array.NpyLayout;
import io.shm4j.array.ShapeException;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.Segment;
import io.shm4j.store.MappedCodec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code npy}: an n-d array as a {@code .npy} file — the object's bytes are exactly what
 * {@code numpy.save} writes, so {@code numpy.load(path, mmap_mode="r")} reads the object file
 * in place. Put a {@link SharedArray} (any view: C- or F-contiguous ones in one copy, strided
 * ones element by element, always written in C order unless F-contiguous) or a Java primitive
 * array ({@link #encodeJava}); {@code get} returns a read-only {@link SharedArray} over the
 * store's mapping (a view that owns nothing: closing it is harmless).
 *
 * <p>Stateless, thread-safe.
 */
public final class ArrayCodec implements MappedCodec<SharedArray> {
    public static final String ID = "npy";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean accepts(Object value) {
        return value instanceof SharedArray;
    }

    @Override
    public Encoded encode(SharedArray a) {
        DType dtype = a.dtype();
        long[] shape = a.shape();
        boolean c = a.isCContiguous();
        boolean fortran = !c && a.isFContiguous();
        byte[] head = NpyLayout.encode(dtype, shape, fortran);
        long dataBytes = Math.multiplyExact(a.size(), (long) dtype.itemSize());
        MemorySegment data = a.data();
        return Encoded.of(head.length + dataBytes, target -> {
            MemorySegment.copy(head, 0, target, ValueLayout.JAVA_BYTE, 0, head.length);
            if (a.size() == 0) {
                return;
            }
            long first = a.byteOffset(new long[shape.length]);
            if (c || fortran) {
                MemorySegment.copy(data, first, target, head.length, dataBytes);
            } else {
                copyStrided(data, first, shape, a.strides(), dtype.itemSize(), target.asSlice(head.length));
            }
        });
    }

    /** Copies a strided view element by element in C order (views are rarely strided). */
    private static void copyStrided(MemorySegment src, long first, long[] shape, long[] strides, int item,
            MemorySegment dst) {
        long[] idx = new long[shape.length];
        long off = first;
        long n = dst.byteSize() / item;
        for (long i = 0; i < n; i++) {
            MemorySegment.copy(src, off, dst, i * item, item);
            for (int k = shape.length - 1; k >= 0; k--) { // next index in C order, offset updated in step
                if (++idx[k] < shape[k]) {
                    off += strides[k];
                    break;
                }
                off -= (shape[k] - 1) * strides[k];
                idx[k] = 0;
            }
        }
    }

    /**
     * Encodes a Java primitive array as a {@code .npy} array of {@code dtype} and {@code shape}
     * (C order), without making a {@link SharedArray} first. {@code dtype} null: inferred,
     * 1-d ({@code double[]} → float64, {@code float[]} → float32, {@code long[]} → int64,
     * {@code int[]} → int32, {@code short[]} → int16, {@code byte[]} → int8, {@code boolean[]} → bool).
     *
     * @throws DTypeMismatchException if the Java array's width does not fit {@code dtype}
     * @throws ShapeException if its length is not the shape's element count
     */
    public static Encoded encodeJava(DType dtype, long[] shape, Object javaArray) {
        int length = java.lang.reflect.Array.getLength(java.util.Objects.requireNonNull(javaArray, "javaArray"));
        DType t = dtype != null ? dtype : inferred(javaArray);
        long[] sh = shape != null ? shape.clone() : new long[] {length};
        if (!fits(t, javaArray)) {
            throw new DTypeMismatchException("Java array type does not match the element type: dtype=" + t
                    + ", javaArray=" + javaArray.getClass().getSimpleName()
                    + "; use the Java array of the same width (long[] for int64/uint64/datetime64, ...)");
        }
        NpyLayout.checkShape(sh);
        if (NpyLayout.elementCount(sh) != length) {
            throw new ShapeException("Java array length does not match the shape: length=" + length + ", shape="
                    + NpyLayout.shapeString(sh));
        }
        byte[] head = NpyLayout.encode(t, sh, false);
        long dataBytes = (long) length * t.itemSize();
        return Encoded.of(head.length + dataBytes, target -> {
            MemorySegment.copy(head, 0, target, ValueLayout.JAVA_BYTE, 0, head.length);
            if (javaArray instanceof boolean[] b) {
                for (int i = 0; i < b.length; i++) {
                    target.set(ValueLayout.JAVA_BYTE, head.length + i, (byte) (b[i] ? 1 : 0));
                }
            } else {
                MemorySegment.copy(heapSegment(javaArray), 0, target, head.length, dataBytes);
            }
        });
    }

    private static MemorySegment heapSegment(Object javaArray) {
        return switch (javaArray) {
            case double[] a -> MemorySegment.ofArray(a);
            case float[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case byte[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalStateException("checked before: " + javaArray.getClass());
        };
    }

    private static DType inferred(Object javaArray) {
        return switch (javaArray) {
            case double[] a -> DType.FLOAT64;
            case float[] a -> DType.FLOAT32;
            case long[] a -> DType.INT64;
            case int[] a -> DType.INT32;
            case short[] a -> DType.INT16;
            case byte[] a -> DType.INT8;
            case boolean[] a -> DType.BOOL;
            default -> throw new DTypeMismatchException("not a supported Java array: type="
                    + javaArray.getClass().getSimpleName()
                    + "; use double[], float[], long[], int[], short[], byte[] or boolean[]");
        };
    }

    private static boolean fits(DType t, Object javaArray) {
        return switch (javaArray) {
            case double[] a -> t == DType.FLOAT64;
            case float[] a -> t == DType.FLOAT32;
            case long[] a -> t == DType.INT64 || t == DType.UINT64 || t == DType.DATETIME64_NS;
            case int[] a -> t == DType.INT32 || t == DType.UINT32;
            case short[] a -> t == DType.INT16 || t == DType.UINT16;
            case byte[] a -> t == DType.INT8 || t == DType.UINT8 || t == DType.BOOL;
            case boolean[] a -> t == DType.BOOL;
            default -> false;
        };
    }

    @Override
    public SharedArray wrap(Segment mapping) {
        return SharedArray.wrap(mapping);
    }

    /** A view of the whole array (0-d arrays: a reshape), so that closing it does not unmap. */
    @Override
    public SharedArray share(SharedArray wrapped) {
        return wrapped.ndim() == 0 ? wrapped.reshape() : wrapped.slice(0, wrapped.shape()[0]);
    }
}
