package io.shm4j.store.internal;

import io.shm4j.array.DType;
import io.shm4j.array.NpyImage;
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
        if ((c || fortran) && a.size() > 0) {
            long first = a.byteOffset(new long[shape.length]);
            return FileEncoded.ofParts(MemorySegment.ofArray(head), data.asSlice(first, dataBytes));
        }
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
        java.util.Objects.requireNonNull(javaArray, "javaArray");
        NpyImage image = NpyImage.of(dtype != null ? dtype : NpyImage.dtypeOf(javaArray), shape, javaArray);
        return FileEncoded.of(image.size(), target -> image.writeTo(target), target -> image.writeTo(target));
    }

    @Override
    public SharedArray wrap(Segment mapping) {
        return SharedArray.of(mapping);
    }

    /** A borrowed handle on the store's mapping: closing it is harmless. */
    @Override
    public SharedArray share(SharedArray wrapped) {
        return wrapped.borrow();
    }
}
