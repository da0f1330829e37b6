package io.shm4j.array;

import io.shm4j.array.internal.Kernels;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.internal.Native;
import io.shm4j.segment.internal.Uninterruptibly;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A Java array seen as the bytes of a {@code .npy} file (C order): its {@link #size()}, and a
 * writer that fills a segment of that size with one bulk copy. What {@link SharedArray#copyOf}
 * writes into a new segment, and what the object store writes into an object.
 *
 * <p>Immutable and thread-safe; it keeps a reference to the Java array, which must not change
 * until written.
 */
public final class NpyImage {
    private final DType dtype;
    private final long[] shape;
    private final Object javaArray;
    private final byte[] header;

    private NpyImage(DType dtype, long[] shape, Object javaArray) {
        this.dtype = dtype;
        this.shape = shape;
        this.javaArray = javaArray;
        this.header = NpyLayout.encode(dtype, shape, false);
    }

    /**
     * A 1-d image of a Java array, its type inferred: {@code double[]} → float64, {@code float[]}
     * → float32, {@code long[]} → int64, {@code int[]} → int32, {@code short[]} → int16,
     * {@code byte[]} → int8, {@code boolean[]} → bool.
     */
    public static NpyImage of(Object javaArray) {
        return of(dtypeOf(javaArray), null, javaArray);
    }

    /**
     * An image of a Java array with a given type and shape (null: 1-d). The Java array's
     * element width must be the type's: {@code long[]} for int64, uint64, datetime64 and timedelta64,
     * {@code int[]} for (u)int32, {@code short[]} for (u)int16 and float16 (bits), {@code byte[]} or {@code boolean[]}
     * for (u)int8 and bool, {@code double[]}/{@code float[]} for float64/float32.
     *
     * @throws DTypeMismatchException if the Java array's type does not fit {@code dtype}
     * @throws ShapeException if its length is not the shape's element count
     */
    public static NpyImage of(DType dtype, long[] shape, Object javaArray) {
        Objects.requireNonNull(javaArray, "javaArray");
        Objects.requireNonNull(dtype, "dtype");
        if (!fits(dtype, javaArray)) {
            throw new DTypeMismatchException("Java array type does not match the element type: dtype=" + dtype
                    + ", javaArray=" + javaArray.getClass().getSimpleName()
                    + "; use the Java array of the same width (long[] for int64/uint64/datetime64, ...)");
        }
        long length = java.lang.reflect.Array.getLength(javaArray);
        long[] sh = shape != null ? shape.clone() : new long[] {length};
        NpyLayout.checkShape(sh);
        if (NpyLayout.elementCount(sh) != length) {
            throw new ShapeException("Java array length does not match the shape: length=" + length + ", shape="
                    + NpyLayout.shapeString(sh) + ", elements=" + NpyLayout.elementCount(sh));
        }
        return new NpyImage(dtype, sh, javaArray);
    }

    /** The element type a Java array maps to (see {@link #of(Object)}). */
    public static DType dtypeOf(Object javaArray) {
        return switch (javaArray) {
            case double[] a -> DType.FLOAT64;
            case float[] a -> DType.FLOAT32;
            case long[] a -> DType.INT64;
            case int[] a -> DType.INT32;
            case short[] a -> DType.INT16;
            case byte[] a -> DType.INT8;
            case boolean[] a -> DType.BOOL;
            case null -> throw new NullPointerException("javaArray");
            default -> throw new DTypeMismatchException("not a supported Java array: type="
                    + javaArray.getClass().getSimpleName()
                    + "; use double[], float[], long[], int[], short[], byte[] or boolean[]");
        };
    }

    private static boolean fits(DType t, Object javaArray) {
        return switch (javaArray) {
            case double[] a -> t == DType.FLOAT64;
            case float[] a -> t == DType.FLOAT32;
            case long[] a -> t.isLong64();
            case int[] a -> t == DType.INT32 || t == DType.UINT32;
            case short[] a -> t == DType.INT16 || t == DType.UINT16 || t == DType.FLOAT16;
            case byte[] a -> t == DType.INT8 || t == DType.UINT8 || t == DType.BOOL;
            case boolean[] a -> t == DType.BOOL;
            default -> false;
        };
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** Header plus data, in bytes. */
    public long size() {
        return header.length + dataBytes();
    }

    long dataBytes() {
        return NpyLayout.elementCount(shape) * dtype.itemSize();
    }

    byte[] header() {
        return header.clone();
    }

    /** Writes the whole file (header, then data) at the start of {@code target}. */
    public void writeTo(MemorySegment target) {
        MemorySegment.copy(header, 0, target, ValueLayout.JAVA_BYTE, 0, header.length);
        writeData(target.asSlice(header.length));
    }

    /**
     * Writes the whole file (header, then data) at the start of a pending segment through the
     * kernel ({@link PendingSegment#write}): the Java array is read in place and the segment's
     * pages are filled without being mapped here, which is several times faster than a copy
     * through a fresh mapping on 4 KiB tmpfs pages. {@code boolean[]} data (converted element by
     * element) is written through the mapping, and so is everything when {@code target}
     * {@linkplain PendingSegment#reusesMapping() reuses a mapping} whose pages this process
     * touched before (page stock): there a plain copy takes no page fault. Do not prefault
     * {@code target} first.
     */
    public void writeTo(PendingSegment target) {
        if (target.reusesMapping()) { // page stock with its mapping: a plain copy, no page faults
            MemorySegment memory = target.memory();
            if (javaArray instanceof boolean[]) {
                writeTo(memory);
            } else {
                MemorySegment.copy(header, 0, memory, ValueLayout.JAVA_BYTE, 0, header.length);
                copyInHalves(dataSource().asSlice(0, dataBytes()), memory.asSlice(header.length, dataBytes()));
            }
            return;
        }
        target.write(0, MemorySegment.ofArray(header));
        if (javaArray instanceof boolean[]) {
            writeData(target.memory().asSlice(header.length));
        } else {
            target.write(header.length, dataSource().asSlice(0, dataBytes()));
        }
    }

    /** Copies of at least this many bytes into a page stock mapping run in two halves, on two threads. */
    static final long HALVES_MIN_BYTES = 64L << 20;

    /**
     * Copies {@code src} into {@code dst} (the same size), the back half on a virtual thread
     * while this thread copies the front half when the copy is large and the machine has more
     * than one core: one core's copy does not reach the memory's bandwidth (a 1.5 GB copy into a
     * page-stock mapping on a huge-page tmpfs, this project's AMD host: 197–209 ms against
     * 155–169 ms for a heap-to-heap copy, see docs/array.md). Both halves are Java copies, so a
     * fault raises an error instead of ending the JVM. A thread whose priority was lowered (a
     * dataset's writer thread: {@code Native.setThreadNice}) copies alone: its copy is background
     * work, and a second thread at the process's priority would take a core from the work in
     * the foreground.
     */
    static void copyInHalves(MemorySegment src, MemorySegment dst) {
        long n = src.byteSize();
        if (n < HALVES_MIN_BYTES || Runtime.getRuntime().availableProcessors() < 2 || Native.threadNice() > 0) {
            MemorySegment.copy(src, 0, dst, 0, n);
            return;
        }
        long half = (n / 2) & ~4095L; // the back half starts on a page of its own
        Throwable[] backFailure = new Throwable[1];
        Thread back = Thread.ofVirtual().name("shm4j-copy-back-half").start(() -> {
            try {
                MemorySegment.copy(src, half, dst, half, n - half);
            } catch (Throwable t) {
                backFailure[0] = t;
            }
        });
        try {
            MemorySegment.copy(src, 0, dst, 0, half);
        } finally {
            Uninterruptibly.join(back); // it writes into memory this call owns: wait for it; backFailure is visible after
        }
        switch (backFailure[0]) {
            case null -> { }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException("copy failed", backFailure[0]);
        }
    }

    private MemorySegment dataSource() {
        return switch (javaArray) {
            case double[] a -> MemorySegment.ofArray(a);
            case float[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case byte[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalStateException("checked when made: " + javaArray.getClass());
        };
    }

    /** Writes the data only, at the start of {@code data}. */
    void writeData(MemorySegment data) {
        if (javaArray instanceof boolean[] b) {
            for (int i = 0; i < b.length; i++) {
                data.set(Kernels.I8, i, (byte) (b[i] ? 1 : 0));
            }
            return;
        }
        MemorySegment.copy(dataSource(), 0, data, 0, dataBytes());
    }
}
