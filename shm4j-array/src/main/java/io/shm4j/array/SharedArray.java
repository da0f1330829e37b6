package io.shm4j.array;

import io.shm4j.Settings;
import io.shm4j.array.internal.Kernels;
import io.shm4j.array.internal.Kernels.Op;
import io.shm4j.segment.Access;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentClosedException;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.SegmentSpec;
import io.shm4j.segment.ShmDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * An n-dimensional NumPy-compatible array whose bytes are a {@code .npy} file in shared memory
 * (or on disk): {@code numpy.load(path, mmap_mode="r")} reads it without copying.
 *
 * <h2>Creating and attaching</h2>
 * {@link #zeros}, {@link #copyOf}, {@link #fromFunction} and {@link #putFile} create a new
 * segment (kind {@code array}) by reserve → write → publish: other processes see it complete
 * or not at all. {@link #attach(String)} maps a published array (read-only by default),
 * {@link #map(Path)} maps a {@code .npy} file on disk read-only, and {@link #save(Path)} writes
 * one. All go through the same header code ({@link NpyLayout}).
 *
 * <h2>Views</h2>
 * {@link #row}, {@link #slice} and {@link #reshape} return views that share memory with the
 * array they come from. A view owns nothing: it is valid while its root array is open, and
 * closing a view does nothing.
 *
 * <h2>Element access</h2>
 * Typed accessors must match the element type ({@code getDouble} for float64, {@code getLong}
 * for int64/uint64/datetime64[ns], {@code getInt} for int32/uint32 …), else
 * {@link DTypeMismatchException}; {@link #getAsDouble} and {@link #getAsLong} convert from any
 * type. Indices are checked against the shape ({@link ArrayBoundsException}) unless bounds
 * checks are switched off ({@link Settings#boundsChecks()}); memory safety never depends on it.
 *
 * <h2>Concurrent writers</h2>
 * An array created {@link ArrayOptions#asMutable() mutable} may be attached
 * {@link Access#READ_WRITE read-write} by several processes. Plain {@code set…} and {@code get…}
 * are plain memory accesses: no ordering, no atomicity beyond the element size. The atomic
 * operations ({@link #getAndAddLong}, {@link #compareAndSetLong}, {@link #getAndAddInt},
 * {@link #compareAndSetInt}, {@link #getAndAddDouble}) are sequentially consistent read-modify-writes
 * on the shared page, across threads and processes. Publication follows the VarHandle rules, as in
 * agrona's {@code AtomicBuffer}: a writer that stores data with plain sets and then a flag with
 * {@link #setLongRelease} makes the data visible to any reader (any process) that sees the flag
 * with {@link #getLongAcquire}. See {@code docs/array.md}.
 *
 * <p><b>Threading:</b> thread-safe for reads; writes to the same element from several threads
 * need the atomic operations. {@link #close()} is idempotent; after it, bulk operations throw
 * {@link SegmentClosedException} and element access {@link IllegalStateException} — never a
 * crash.
 *
 * <p><b>Ownership:</b> an array returned by a factory owns its mapping: {@link #close()} unmaps
 * it, and for a scoped array created by (or owned by) this process also removes the segment.
 * Persistent arrays live until {@link #unlink()} or {@code shm4j rm}.
 */
public final class SharedArray implements AutoCloseable {
    private static final boolean CHECKS = Settings.boundsChecks();
    private static final VarHandle LONG_VH = Kernels.I64.varHandle();
    private static final VarHandle INT_VH = Kernels.I32.varHandle();
    private static final long COPY_CHUNK = 1L << 28;

    private final Backing backing;
    private final boolean root;
    private final NpyHeader header;
    private final MemorySegment data;
    private final DType dtype;
    private final long[] shape;
    private final long[] strides;
    private final long offset;
    private final long size;
    private final boolean writable;

    private SharedArray(Backing backing, boolean root, NpyHeader header, MemorySegment data, DType dtype,
            long[] shape, long[] strides, long offset) {
        this.backing = backing;
        this.root = root;
        this.header = header;
        this.data = data;
        this.dtype = dtype;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.size = NpyLayout.elementCount(shape);
        this.writable = !data.isReadOnly();
    }

    private static SharedArray rootOf(Backing backing, MemorySegment whole) {
        NpyHeader h;
        try {
            h = NpyLayout.decode(whole);
        } catch (RuntimeException e) {
            backing.close();
            throw e;
        }
        long[] shape = h.shape();
        MemorySegment data = whole.asSlice(h.dataOffset());
        return new SharedArray(backing, true, h, data, h.dtype(), shape,
                stridesFor(shape, h.dtype().itemSize(), h.fortranOrder()), 0);
    }

    private static long[] stridesFor(long[] shape, int itemSize, boolean fortran) {
        long[] st = new long[shape.length];
        long s = itemSize;
        if (fortran) {
            for (int k = 0; k < shape.length; k++) {
                st[k] = s;
                s *= Math.max(1, shape[k]);
            }
        } else {
            for (int k = shape.length - 1; k >= 0; k--) {
                st[k] = s;
                s *= Math.max(1, shape[k]);
            }
        }
        return st;
    }

    // ================================================================== create

    /** A mutable array of zeros, scoped to this process, under {@code name} (null: generated). */
    public static SharedArray zeros(String name, DType dtype, long... shape) {
        return zeros(ArrayOptions.named(name).asMutable(), dtype, shape);
    }

    /** An array of zeros with the given options (no shape: a 0-d array). */
    public static SharedArray zeros(ArrayOptions options, DType dtype, long... shape) {
        return create(options, dtype, shape.clone(), false, d -> { });
    }

    /**
     * A 1-d array holding a copy of a Java array, its type inferred: {@code double[]} → float64,
     * {@code float[]} → float32, {@code long[]} → int64, {@code int[]} → int32, {@code short[]} →
     * int16, {@code byte[]} → int8, {@code boolean[]} → bool.
     */
    public static SharedArray copyOf(ArrayOptions options, Object javaArray) {
        return copyOf(options, NpyImage.of(javaArray));
    }

    /**
     * An array of the given type and shape holding a copy of a Java array in C order; see
     * {@link NpyImage#of(DType, long[], Object)} for which Java array fits which type.
     *
     * @throws DTypeMismatchException if the Java array's type does not fit {@code dtype}
     * @throws ShapeException if its length is not the shape's element count
     */
    public static SharedArray copyOf(ArrayOptions options, DType dtype, long[] shape, Object javaArray) {
        return copyOf(options, NpyImage.of(dtype, shape, javaArray));
    }

    private static SharedArray copyOf(ArrayOptions options, NpyImage image) {
        return create(options, image.dtype(), image.shape(), false, image::writeData);
    }

    /**
     * An array whose element at each index is {@code f(index)} cast to {@code dtype} (as NumPy's
     * {@code astype}). {@code f} is called once per element in C order with a reused index array
     * it must not keep.
     */
    public static SharedArray fromFunction(ArrayOptions options, DType dtype, long[] shape,
            ToDoubleFunction<long[]> f) {
        long[] sh = shape.clone();
        return create(options, dtype, sh, false, d -> {
            long[] idx = new long[sh.length];
            long n = NpyLayout.elementCount(sh);
            int item = dtype.itemSize();
            for (long i = 0; i < n; i++) {
                Kernels.writeDouble(dtype, d, i * item, f.applyAsDouble(idx));
                increment(idx, sh);
            }
        });
    }

    /** Like {@link #fromFunction} with a long-valued function, exact for 64-bit integer types. */
    public static SharedArray fromLongFunction(ArrayOptions options, DType dtype, long[] shape,
            ToLongFunction<long[]> f) {
        long[] sh = shape.clone();
        return create(options, dtype, sh, false, d -> {
            long[] idx = new long[sh.length];
            long n = NpyLayout.elementCount(sh);
            int item = dtype.itemSize();
            for (long i = 0; i < n; i++) {
                Kernels.writeLong(dtype, d, i * item, f.applyAsLong(idx));
                increment(idx, sh);
            }
        });
    }

    /**
     * Copies a {@code .npy} file on disk into a new array segment (what {@code shm4j put} does).
     *
     * @param npyFile the file
     * @param nameOrNull the segment name, or null for a generated one
     * @param lifetime scoped to this process, or persistent
     * @throws NpyFormatException if the file is not a well-formed .npy file
     * @throws UnsupportedDTypeException if its element type is not supported
     */
    public static SharedArray putFile(Path npyFile, String nameOrNull, Lifetime lifetime) {
        return load(npyFile, ArrayOptions.named(nameOrNull).withLifetime(lifetime));
    }

    /** Copies a {@code .npy} file on disk into a new array segment with the given options. */
    public static SharedArray load(Path npyFile, ArrayOptions options) {
        try (SharedArray file = map(npyFile)) {
            NpyHeader h = file.header;
            return create(options, h.dtype(), h.shape(), h.fortranOrder(),
                    d -> MemorySegment.copy(file.data, 0, d, 0, h.dataBytes()));
        }
    }

    private static SharedArray create(ArrayOptions o, DType dtype, long[] shape, boolean fortran,
            Consumer<MemorySegment> writer) {
        byte[] head = NpyLayout.encode(dtype, shape, fortran);
        long dataBytes = Math.multiplyExact(NpyLayout.elementCount(shape), (long) dtype.itemSize());
        SegmentSpec spec = SegmentSpec.of(head.length + dataBytes).withName(o.name())
                .withKind(SegmentKind.ARRAY).withLifetime(o.lifetime()).withMutable(o.mutable())
                .withMode(o.mode()).withOwner(o.owner());
        PendingSegment pending = o.directoryOrCurrent().reserve(spec);
        try {
            pending.prefault(); // the whole segment is written next: map its pages in one call
            MemorySegment m = pending.memory();
            MemorySegment.copy(head, 0, m, ValueLayout.JAVA_BYTE, 0, head.length);
            writer.accept(m.asSlice(head.length));
            Segment seg = pending.publish();
            return rootOf(new Backing(seg, null, seg.path()), seg.memory());
        } catch (RuntimeException | Error e) {
            pending.close();
            throw e;
        }
    }

    // ================================================================== attach and files

    /** Attaches a published array of the current shm directory read-only. */
    public static SharedArray attach(String name) {
        return attach(name, Access.READ_ONLY);
    }

    /** Attaches a published array; {@link Access#READ_WRITE} only for arrays created mutable. */
    public static SharedArray attach(String name, Access access) {
        return wrap(ShmDirectory.current().attach(name, access));
    }

    /** Attaches exactly the incarnation {@code ref} names, read-only. */
    public static SharedArray attach(SegmentRef ref) {
        return attach(ref, Access.READ_ONLY);
    }

    /** Attaches exactly the incarnation {@code ref} names. */
    public static SharedArray attach(SegmentRef ref, Access access) {
        return wrap(ShmDirectory.current().attach(ref, access));
    }

    /**
     * An array over an attached segment, taking over the handle: closing the array closes it.
     * Foreign {@code .npy} files (for example written by {@code np.save} into /dev/shm) are
     * accepted; on a bad format the segment is closed and the exception thrown.
     */
    public static SharedArray wrap(Segment segment) {
        if (segment.kind() == SegmentKind.FRAME) {
            segment.close();
            throw new NpyFormatException("segment holds a data frame, not an array: name=" + segment.name()
                    + ", kind=frame; attach it with SharedFrame");
        }
        return rootOf(new Backing(segment, null, segment.path()), segment.memory());
    }

    /** Maps a {@code .npy} file on disk read-only (no copy); close the array to unmap it. */
    public static SharedArray map(Path npyFile) {
        Arena arena = Arena.ofShared();
        MemorySegment m;
        try (FileChannel ch = FileChannel.open(npyFile, StandardOpenOption.READ)) {
            m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new io.shm4j.Shm4jException("no such .npy file: path=" + npyFile + "; check the path", e);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot map .npy file: path=" + npyFile, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        return rootOf(new Backing(null, arena, npyFile), m);
    }

    /**
     * Writes this array (or view) to a {@code .npy} file NumPy reads (what {@code shm4j export}
     * does). Contiguous data is written in one pass in its own order; other views in C order. The
     * file is written under a temporary name and moved into place.
     */
    public void save(Path file) {
        checkOpen();
        boolean fortran = !isCContiguous() && isFContiguous();
        byte[] head = NpyLayout.encode(dtype, shape, fortran);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, ByteBuffer.wrap(head));
                if (isCContiguous() || isFContiguous()) {
                    long bytes = size * dtype.itemSize();
                    for (long o = 0; o < bytes; o += COPY_CHUNK) {
                        writeFully(ch, data.asSlice(offset + o, Math.min(COPY_CHUNK, bytes - o)).asByteBuffer());
                    }
                } else {
                    int item = dtype.itemSize();
                    forEachLine(false, (off, n, stride) -> {
                        MemorySegment buf = MemorySegment.ofArray(new byte[Math.toIntExact(n * item)]);
                        for (long i = 0; i < n; i++) {
                            MemorySegment.copy(data, off + i * stride, buf, i * item, item);
                        }
                        writeFully(ch, buf.asByteBuffer());
                    });
                }
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UncheckedIOException e) {
            deleteQuietly(tmp);
            throw new io.shm4j.Shm4jException("cannot save array: path=" + file + ", bytes=" + data.byteSize()
                    + ", error=" + e.getMessage() + "; check free space and permissions of its directory", e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the original failure is what the caller needs
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) {
        try {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ================================================================== describe

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** The dimensions (a copy). */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int ndim() {
        return shape.length;
    }

    /** Number of elements. */
    public long size() {
        return size;
    }

    /** Bytes between consecutive elements along each axis (a copy), as NumPy's {@code strides}. */
    public long[] strides() {
        return strides.clone();
    }

    /** The header of the root array's file. */
    public NpyHeader header() {
        return header;
    }

    /** Whether the elements are contiguous in C (row-major) order. */
    public boolean isCContiguous() {
        return Arrays.equals(strides, stridesFor(shape, dtype.itemSize(), false)) || size <= 1;
    }

    /** Whether the elements are contiguous in Fortran (column-major) order. */
    public boolean isFContiguous() {
        return Arrays.equals(strides, stridesFor(shape, dtype.itemSize(), true)) || size <= 1;
    }

    /** Whether writes are allowed through this handle. */
    public boolean isWritable() {
        return writable;
    }

    /** Whether this is a view (owning nothing) rather than the array of a segment or file. */
    public boolean isView() {
        return !root;
    }

    /** The segment name, or the file name for a mapped file. */
    public String name() {
        return backing.segment != null ? backing.segment.name() : backing.path.getFileName().toString();
    }

    /** The segment file or the mapped {@code .npy} file. */
    public Path path() {
        return backing.path;
    }

    /** The underlying segment, or null for a mapped file on disk. */
    public Segment segment() {
        return backing.segment;
    }

    /** The ref another process attaches with {@link #attach(SegmentRef)}. */
    public SegmentRef ref() {
        if (backing.segment == null) {
            throw new IllegalStateException("a file mapped from disk has no segment ref: path=" + backing.path
                    + "; copy it into shared memory with putFile");
        }
        return backing.segment.ref();
    }

    /**
     * One line for humans, for example
     * {@code prices float64 (1000, 3) C 24000 bytes read-only persistent}.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(name()).append(' ').append(dtype.numpyName()).append(' ').append(NpyLayout.shapeString(shape))
                .append(' ').append(isCContiguous() ? "C" : isFContiguous() ? "F" : "strided").append(' ')
                .append(size * dtype.itemSize()).append(" bytes ").append(writable ? "read-write" : "read-only");
        if (backing.segment != null && backing.segment.info().lifetime() != null) {
            sb.append(' ').append(backing.segment.info().lifetime().name().toLowerCase(java.util.Locale.ROOT));
            if (backing.segment.info().mutable()) {
                sb.append(" mutable");
            }
        } else if (backing.segment == null) {
            sb.append(" file");
        }
        if (!root) {
            sb.append(" view");
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "SharedArray[" + describe() + (backing.closed.get() ? ", closed" : "") + "]";
    }

    // ================================================================== views

    /** Element {@code i} along axis 0: an array of one dimension less, sharing memory. */
    public SharedArray row(long i) {
        requireDims(1, "row");
        checkIndex(0, i);
        return view(Arrays.copyOfRange(shape, 1, shape.length), Arrays.copyOfRange(strides, 1, strides.length),
                offset + i * strides[0]);
    }

    /** Elements {@code from} (inclusive) to {@code to} (exclusive) along axis 0, sharing memory. */
    public SharedArray slice(long from, long to) {
        requireDims(1, "slice");
        if (from < 0 || to < from || to > shape[0]) {
            throw new ArrayBoundsException("slice out of bounds: from=" + from + ", to=" + to + ", length="
                    + shape[0] + "; need 0 <= from <= to <= length");
        }
        long[] sh = shape.clone();
        sh[0] = to - from;
        return view(sh, strides.clone(), from == to ? offset : offset + from * strides[0]);
    }

    /**
     * The same elements in another shape, sharing memory (C order; one dimension may be -1 and is
     * inferred).
     *
     * @throws ShapeException if the element count differs or this array is not C-contiguous
     */
    public SharedArray reshape(long... newShape) {
        long[] sh = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int k = 0; k < sh.length; k++) {
            if (sh[k] == -1 && infer < 0) {
                infer = k;
            } else if (sh[k] < 0) {
                throw new ShapeException("bad reshape: shape=" + Arrays.toString(newShape)
                        + "; dimensions must be >= 0, with at most one -1");
            } else {
                known = Math.multiplyExact(known, sh[k]);
            }
        }
        if (infer >= 0) {
            if (known == 0 || size % known != 0) {
                throw new ShapeException("cannot infer -1 in reshape: size=" + size + ", shape="
                        + Arrays.toString(newShape));
            }
            sh[infer] = size / known;
        }
        NpyLayout.checkShape(sh);
        if (NpyLayout.elementCount(sh) != size) {
            throw new ShapeException("cannot reshape: from=" + NpyLayout.shapeString(shape) + " (" + size
                    + " elements), to=" + NpyLayout.shapeString(sh) + " (" + NpyLayout.elementCount(sh) + ")");
        }
        if (!isCContiguous()) {
            throw new ShapeException("cannot reshape a non-C-contiguous array without copying: shape="
                    + NpyLayout.shapeString(shape) + ", strides=" + Arrays.toString(strides)
                    + "; copy it (toArray, then copyOf) first");
        }
        return view(sh, stridesFor(sh, dtype.itemSize(), false), offset);
    }

    private SharedArray view(long[] sh, long[] st, long off) {
        checkOpen();
        return new SharedArray(backing, false, header, data, dtype, sh, st, off);
    }

    private void requireDims(int min, String op) {
        if (shape.length < min) {
            throw new ShapeException(op + " needs at least " + min + " dimension(s): ndim=" + shape.length);
        }
    }

    // ================================================================== element access

    /** The byte offset of an element in {@link #data()}; checked against the shape. */
    public long byteOffset(long... index) {
        if (index.length != shape.length) {
            throw new ArrayBoundsException("wrong number of indices: given=" + index.length + ", ndim="
                    + shape.length + ", shape=" + NpyLayout.shapeString(shape));
        }
        long off = offset;
        for (int k = 0; k < index.length; k++) {
            long i = index[k];
            if (CHECKS) {
                checkIndex(k, i);
            }
            off += i * strides[k];
        }
        return off;
    }

    private long offset1(long i) {
        if (shape.length != 1) {
            throw new ArrayBoundsException("wrong number of indices: given=1, ndim=" + shape.length + ", shape="
                    + NpyLayout.shapeString(shape));
        }
        if (CHECKS) {
            checkIndex(0, i);
        }
        return offset + i * strides[0];
    }

    private void checkIndex(int axis, long i) {
        if (i < 0 || i >= shape[axis]) {
            throw new ArrayBoundsException("index out of bounds: axis=" + axis + ", index=" + i + ", size="
                    + shape[axis] + ", shape=" + NpyLayout.shapeString(shape));
        }
    }

    /**
     * The data bytes this array's elements live in (the root's data region; elements are at
     * {@link #byteOffset} with {@link #strides()}). Read-only unless {@link #isWritable()}.
     */
    public MemorySegment data() {
        checkOpen();
        return data;
    }

    private void need(DType a, DType b, DType c, String accessor) {
        if (dtype != a && dtype != b && dtype != c) {
            throw mismatch(accessor);
        }
    }

    private DTypeMismatchException mismatch(String accessor) {
        return new DTypeMismatchException("element type mismatch: dtype=" + dtype + ", accessor=" + accessor
                + "; use the accessor of the array's type, or getAsDouble/getAsLong to convert");
    }

    private void needWritable() {
        if (!writable) {
            throw new ReadOnlyArrayException("array is read-only: name=" + name()
                    + "; create it with ArrayOptions.asMutable() and attach it with Access.READ_WRITE to write");
        }
    }

    /** A float64 element. */
    public double getDouble(long... index) {
        need(DType.FLOAT64, DType.FLOAT64, DType.FLOAT64, "getDouble");
        return data.get(Kernels.F64, byteOffset(index));
    }

    /** Sets a float64 element. */
    public void setDouble(long[] index, double value) {
        need(DType.FLOAT64, DType.FLOAT64, DType.FLOAT64, "setDouble");
        needWritable();
        data.set(Kernels.F64, byteOffset(index), value);
    }

    /** Sets a float64 element of a 1-d array. */
    public void setDouble(long i, double value) {
        need(DType.FLOAT64, DType.FLOAT64, DType.FLOAT64, "setDouble");
        needWritable();
        data.set(Kernels.F64, offset1(i), value);
    }

    /** A float32 element. */
    public float getFloat(long... index) {
        need(DType.FLOAT32, DType.FLOAT32, DType.FLOAT32, "getFloat");
        return data.get(Kernels.F32, byteOffset(index));
    }

    /** Sets a float32 element. */
    public void setFloat(long[] index, float value) {
        need(DType.FLOAT32, DType.FLOAT32, DType.FLOAT32, "setFloat");
        needWritable();
        data.set(Kernels.F32, byteOffset(index), value);
    }

    /** An int64, uint64 (as its bits) or datetime64[ns] element. */
    public long getLong(long... index) {
        need(DType.INT64, DType.UINT64, DType.DATETIME64_NS, "getLong");
        return data.get(Kernels.I64, byteOffset(index));
    }

    /** Sets an int64, uint64 or datetime64[ns] element. */
    public void setLong(long[] index, long value) {
        need(DType.INT64, DType.UINT64, DType.DATETIME64_NS, "setLong");
        needWritable();
        data.set(Kernels.I64, byteOffset(index), value);
    }

    /** Sets an int64, uint64 or datetime64[ns] element of a 1-d array. */
    public void setLong(long i, long value) {
        need(DType.INT64, DType.UINT64, DType.DATETIME64_NS, "setLong");
        needWritable();
        data.set(Kernels.I64, offset1(i), value);
    }

    /** An int32 or uint32 (as its bits) element. */
    public int getInt(long... index) {
        need(DType.INT32, DType.UINT32, DType.UINT32, "getInt");
        return data.get(Kernels.I32, byteOffset(index));
    }

    /** Sets an int32 or uint32 element. */
    public void setInt(long[] index, int value) {
        need(DType.INT32, DType.UINT32, DType.UINT32, "setInt");
        needWritable();
        data.set(Kernels.I32, byteOffset(index), value);
    }

    /** An int16 or uint16 (as its bits) element. */
    public short getShort(long... index) {
        need(DType.INT16, DType.UINT16, DType.UINT16, "getShort");
        return data.get(Kernels.I16, byteOffset(index));
    }

    /** Sets an int16 or uint16 element. */
    public void setShort(long[] index, short value) {
        need(DType.INT16, DType.UINT16, DType.UINT16, "setShort");
        needWritable();
        data.set(Kernels.I16, byteOffset(index), value);
    }

    /** An int8 or uint8 (as its bits) element. */
    public byte getByte(long... index) {
        need(DType.INT8, DType.UINT8, DType.UINT8, "getByte");
        return data.get(Kernels.I8, byteOffset(index));
    }

    /** Sets an int8 or uint8 element. */
    public void setByte(long[] index, byte value) {
        need(DType.INT8, DType.UINT8, DType.UINT8, "setByte");
        needWritable();
        data.set(Kernels.I8, byteOffset(index), value);
    }

    /** A bool element. */
    public boolean getBoolean(long... index) {
        need(DType.BOOL, DType.BOOL, DType.BOOL, "getBoolean");
        return data.get(Kernels.I8, byteOffset(index)) != 0;
    }

    /** Sets a bool element. */
    public void setBoolean(long[] index, boolean value) {
        need(DType.BOOL, DType.BOOL, DType.BOOL, "setBoolean");
        needWritable();
        data.set(Kernels.I8, byteOffset(index), (byte) (value ? 1 : 0));
    }

    /** Any element as double: unsigned values exactly, bool as 0/1, datetime64 as its nanoseconds. */
    public double getAsDouble(long... index) {
        return Kernels.readDouble(dtype, data, byteOffset(index));
    }

    /**
     * An integer, bool or datetime64 element widened to long (unsigned types zero-extended,
     * uint64 as its bits).
     *
     * @throws DTypeMismatchException for float types
     */
    public long getAsLong(long... index) {
        if (dtype.kind() == DType.Kind.FLOAT) {
            throw mismatch("getAsLong");
        }
        return Kernels.readLong(dtype, data, byteOffset(index));
    }

    // ================================================================== atomics

    /** Atomically adds to an int64/uint64/datetime64 element; returns the previous value. */
    public long getAndAddLong(long[] index, long delta) {
        return (long) LONG_VH.getAndAdd(atomicTarget(8), byteOffset(index), delta);
    }

    /** Atomically adds to an int64/uint64/datetime64 element of a 1-d array; returns the previous value. */
    public long getAndAddLong(long i, long delta) {
        return (long) LONG_VH.getAndAdd(atomicTarget(8), offset1(i), delta);
    }

    /** Atomically sets an int64/uint64/datetime64 element to {@code value} if it holds {@code expected}. */
    public boolean compareAndSetLong(long[] index, long expected, long value) {
        return (boolean) LONG_VH.compareAndSet(atomicTarget(8), byteOffset(index), expected, value);
    }

    /** Atomically adds to an int32/uint32 element; returns the previous value. */
    public int getAndAddInt(long[] index, int delta) {
        return (int) INT_VH.getAndAdd(atomicTarget(4), byteOffset(index), delta);
    }

    /** Atomically sets an int32/uint32 element to {@code value} if it holds {@code expected}. */
    public boolean compareAndSetInt(long[] index, int expected, int value) {
        return (boolean) INT_VH.compareAndSet(atomicTarget(4), byteOffset(index), expected, value);
    }

    /**
     * Atomically adds to a float64 element (a compare-and-set loop on its 64 bits); returns the
     * previous value. Lock-free, not wait-free.
     */
    public double getAndAddDouble(long[] index, double delta) {
        MemorySegment d = atomicTarget(-8);
        long off = byteOffset(index);
        while (true) {
            long bits = (long) LONG_VH.getVolatile(d, off);
            double prev = Double.longBitsToDouble(bits);
            if ((boolean) LONG_VH.compareAndSet(d, off, bits, Double.doubleToRawLongBits(prev + delta))) {
                return prev;
            }
        }
    }

    /** Reads a 64-bit element with acquire semantics (pairs with {@link #setLongRelease}). */
    public long getLongAcquire(long... index) {
        need(DType.INT64, DType.UINT64, DType.DATETIME64_NS, "getLongAcquire");
        return (long) LONG_VH.getAcquire(data, byteOffset(index));
    }

    /** Writes a 64-bit element with release semantics: earlier writes are visible to an acquiring reader that sees it. */
    public void setLongRelease(long[] index, long value) {
        LONG_VH.setRelease(atomicTarget(8), byteOffset(index), value);
    }

    /** Reads a 64-bit element with volatile semantics. */
    public long getLongVolatile(long... index) {
        need(DType.INT64, DType.UINT64, DType.DATETIME64_NS, "getLongVolatile");
        return (long) LONG_VH.getVolatile(data, byteOffset(index));
    }

    /** Reads a 32-bit element with acquire semantics (pairs with {@link #setIntRelease}). */
    public int getIntAcquire(long... index) {
        need(DType.INT32, DType.UINT32, DType.UINT32, "getIntAcquire");
        return (int) INT_VH.getAcquire(data, byteOffset(index));
    }

    /** Writes a 32-bit element with release semantics. */
    public void setIntRelease(long[] index, int value) {
        INT_VH.setRelease(atomicTarget(4), byteOffset(index), value);
    }

    /** Reads a float64 element with volatile semantics (for values updated by {@link #getAndAddDouble}). */
    public double getDoubleVolatile(long... index) {
        need(DType.FLOAT64, DType.FLOAT64, DType.FLOAT64, "getDoubleVolatile");
        return Double.longBitsToDouble((long) LONG_VH.getVolatile(data, byteOffset(index)));
    }

    /** Checks the type (width 8/4: integer-like; -8: float64) and writability for an atomic op. */
    private MemorySegment atomicTarget(int width) {
        boolean ok = switch (width) {
            case 8 -> dtype == DType.INT64 || dtype == DType.UINT64 || dtype == DType.DATETIME64_NS;
            case 4 -> dtype == DType.INT32 || dtype == DType.UINT32;
            default -> dtype == DType.FLOAT64;
        };
        if (!ok) {
            throw mismatch(width == 8 ? "atomic long" : width == 4 ? "atomic int" : "atomic double");
        }
        needWritable();
        return data;
    }

    // ================================================================== bulk

    /** Sets every element to {@code value} cast to the element type (as NumPy's {@code fill}). */
    public void fill(double value) {
        needWritable();
        checkOpen();
        if (dtype == DType.FLOAT64 && isCContiguous()) {
            fillContiguous(Double.doubleToRawLongBits(value));
            return;
        }
        forEachLine(true, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                Kernels.writeDouble(dtype, data, off + i * stride, value);
            }
        });
    }

    /** Sets every element to {@code value} cast to the element type. */
    public void fill(long value) {
        needWritable();
        checkOpen();
        forEachLine(true, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                Kernels.writeLong(dtype, data, off + i * stride, value);
            }
        });
    }

    private void fillContiguous(long bits) {
        MemorySegment region = data.asSlice(offset, size * 8);
        if (bits == 0) {
            region.fill((byte) 0);
            return;
        }
        for (long o = 0; o < region.byteSize(); o += 8) {
            region.set(Kernels.I64, o, bits);
        }
    }

    /**
     * A copy of the elements in C order, as the Java array of the element type's width:
     * {@code double[]}, {@code float[]}, {@code long[]} (int64, uint64, datetime64),
     * {@code int[]}, {@code short[]}, {@code byte[]} or {@code boolean[]}.
     *
     * @throws ShapeException if the array has more than {@link Integer#MAX_VALUE} elements
     */
    public Object toArray() {
        checkOpen();
        int n = javaLength();
        Object out = switch (dtype) {
            case FLOAT64 -> new double[n];
            case FLOAT32 -> new float[n];
            case INT64, UINT64, DATETIME64_NS -> new long[n];
            case INT32, UINT32 -> new int[n];
            case INT16, UINT16 -> new short[n];
            case INT8, UINT8 -> new byte[n];
            case BOOL -> new boolean[n];
        };
        copyOut(out);
        return out;
    }

    /** A copy of the elements in C order converted to double (as {@code a.astype(float64)}). */
    public double[] toDoubleArray() {
        if (dtype == DType.FLOAT64) {
            return (double[]) toArray();
        }
        checkOpen();
        double[] out = new double[javaLength()];
        int[] k = {0};
        forEachLine(false, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                out[k[0]++] = Kernels.readDouble(dtype, data, off + i * stride);
            }
        });
        return out;
    }

    /** A copy of the elements in C order widened to long (integer, bool and datetime types). */
    public long[] toLongArray() {
        if (dtype.kind() == DType.Kind.FLOAT) {
            throw mismatch("toLongArray");
        }
        checkOpen();
        long[] out = new long[javaLength()];
        int[] k = {0};
        forEachLine(false, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                out[k[0]++] = Kernels.readLong(dtype, data, off + i * stride);
            }
        });
        return out;
    }

    /** Copies a Java array of the element type's width into this array, in C order. */
    public void copyFrom(Object javaArray) {
        needWritable();
        checkOpen();
        long n = java.lang.reflect.Array.getLength(java.util.Objects.requireNonNull(javaArray, "javaArray"));
        if (n != size) {
            throw new ShapeException("Java array length does not match the array: length=" + n + ", size=" + size
                    + ", shape=" + NpyLayout.shapeString(shape));
        }
        NpyImage image = NpyImage.of(dtype, null, javaArray); // checks the Java array's width
        if (isCContiguous()) {
            image.writeData(data.asSlice(offset));
            return;
        }
        int[] k = {0};
        forEachLine(false, (off, cnt, stride) -> {
            for (long i = 0; i < cnt; i++) {
                writeJavaElement(javaArray, k[0]++, off + i * stride);
            }
        });
    }

    private int javaLength() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new ShapeException("too many elements for a Java array: size=" + size
                    + "; copy it out in slices (slice(from, to).toArray())");
        }
        return (int) size;
    }

    private void copyOut(Object out) {
        if (isCContiguous() && !(out instanceof boolean[])) {
            MemorySegment.copy(data, dtype.layout(), offset, out, 0, (int) size);
            return;
        }
        int[] k = {0};
        forEachLine(false, (off, n, stride) -> {
            for (long i = 0; i < n; i++) {
                readJavaElement(out, k[0]++, off + i * stride);
            }
        });
    }

    private void readJavaElement(Object out, int i, long off) {
        switch (out) {
            case double[] a -> a[i] = data.get(Kernels.F64, off);
            case float[] a -> a[i] = data.get(Kernels.F32, off);
            case long[] a -> a[i] = data.get(Kernels.I64, off);
            case int[] a -> a[i] = data.get(Kernels.I32, off);
            case short[] a -> a[i] = data.get(Kernels.I16, off);
            case byte[] a -> a[i] = data.get(Kernels.I8, off);
            case boolean[] a -> a[i] = data.get(Kernels.I8, off) != 0;
            default -> throw new IllegalArgumentException("not a primitive array: " + out.getClass());
        }
    }

    private void writeJavaElement(Object in, int i, long off) {
        switch (in) {
            case double[] a -> data.set(Kernels.F64, off, a[i]);
            case float[] a -> data.set(Kernels.F32, off, a[i]);
            case long[] a -> data.set(Kernels.I64, off, a[i]);
            case int[] a -> data.set(Kernels.I32, off, a[i]);
            case short[] a -> data.set(Kernels.I16, off, a[i]);
            case byte[] a -> data.set(Kernels.I8, off, a[i]);
            case boolean[] a -> data.set(Kernels.I8, off, (byte) (a[i] ? 1 : 0));
            default -> throw new IllegalArgumentException("not a primitive array: " + in.getClass());
        }
    }

    // ================================================================== reductions

    /** Sum of all elements in double (NaN propagates; empty: 0.0). Not for datetime64. */
    public double sum() {
        return reduceAll(Op.SUM, "sum");
    }

    /** Sum treating NaN as zero (NumPy's {@code nansum}; empty or all-NaN: 0.0). */
    public double nansum() {
        return reduceAll(Op.NANSUM, "nansum");
    }

    /**
     * Smallest element (NaN if any element is NaN, as NumPy; -0.0 and 0.0 compare equal, and
     * which one is returned when both occur is unspecified, as in NumPy).
     *
     * @throws EmptyReductionException if the array is empty
     */
    public double min() {
        return reduceAll(Op.MIN, "min");
    }

    /** Largest element (NaN propagates). @throws EmptyReductionException if the array is empty */
    public double max() {
        return reduceAll(Op.MAX, "max");
    }

    /** Arithmetic mean ({@code sum() / size()}; empty: NaN, as NumPy). */
    public double mean() {
        return sum() / size;
    }

    /** Sum along {@code axis} of a 2-d array (axis 0: one result per column; 1: per row). */
    public double[] sum(int axis) {
        return reduceAxis(Op.SUM, axis, "sum");
    }

    /** nansum along {@code axis} of a 2-d array. */
    public double[] nansum(int axis) {
        return reduceAxis(Op.NANSUM, axis, "nansum");
    }

    /** Minimum along {@code axis} of a 2-d array. @throws EmptyReductionException if the axis is empty */
    public double[] min(int axis) {
        return reduceAxis(Op.MIN, axis, "min");
    }

    /** Maximum along {@code axis} of a 2-d array. @throws EmptyReductionException if the axis is empty */
    public double[] max(int axis) {
        return reduceAxis(Op.MAX, axis, "max");
    }

    /** Mean along {@code axis} of a 2-d array (NaN where the axis is empty). */
    public double[] mean(int axis) {
        double[] s = reduceAxis(Op.SUM, axis, "mean");
        long n = shape[axis];
        for (int i = 0; i < s.length; i++) {
            s[i] /= n;
        }
        return s;
    }

    /** Exact wrapping sum of an integer or bool array as long (NumPy's int64/uint64 sum). */
    public long sumLong() {
        if (dtype.kind() == DType.Kind.FLOAT || dtype == DType.DATETIME64_NS) {
            throw mismatch("sumLong");
        }
        checkOpen();
        long[] acc = {0};
        forEachLine(true, (off, n, stride) -> acc[0] += Kernels.sumLong(dtype, data, off, n, stride));
        return acc[0];
    }

    /** Smallest element of an integer, bool or datetime64 array, exactly (uint64 as its bits). */
    public long minLong() {
        return extremeLong(false);
    }

    /** Largest element of an integer, bool or datetime64 array, exactly (uint64 as its bits). */
    public long maxLong() {
        return extremeLong(true);
    }

    private long extremeLong(boolean max) {
        if (dtype.kind() == DType.Kind.FLOAT) {
            throw mismatch(max ? "maxLong" : "minLong");
        }
        checkOpen();
        if (size == 0) {
            throw emptyReduction(max ? "max" : "min");
        }
        long[] acc = new long[1];
        boolean[] first = {true};
        boolean unsigned = dtype == DType.UINT64;
        forEachLine(true, (off, n, stride) -> {
            if (n == 0) {
                return;
            }
            long x = Kernels.extremeLong(dtype, data, off, n, stride, max);
            int c = unsigned ? Long.compareUnsigned(x, acc[0]) : Long.compare(x, acc[0]);
            if (first[0] || (max ? c > 0 : c < 0)) {
                acc[0] = x;
                first[0] = false;
            }
        });
        return acc[0];
    }

    private double reduceAll(Op op, String what) {
        checkOpen();
        checkReducible(op, what);
        if (size == 0) {
            if (op == Op.MIN || op == Op.MAX) {
                throw emptyReduction(what);
            }
            return 0.0;
        }
        double[] acc = {op.identity()};
        forEachLine(true, (off, n, stride) -> acc[0] = op.merge(acc[0], Kernels.reduce(op, dtype, data, off, n, stride)));
        return acc[0];
    }

    private double[] reduceAxis(Op op, int axis, String what) {
        checkOpen();
        checkReducible(op, what);
        if (shape.length != 2) {
            throw new ShapeException(what + " along an axis needs a 2-d array: ndim=" + shape.length
                    + "; reduce the whole array, or reshape it to 2-d");
        }
        if (axis != 0 && axis != 1) {
            throw new ShapeException("axis out of range: axis=" + axis + ", ndim=2; use 0 or 1");
        }
        int other = 1 - axis;
        long nOut = shape[other];
        long nIn = shape[axis];
        if (nOut > Integer.MAX_VALUE - 8) {
            throw new ShapeException("too many results for a Java array: count=" + nOut);
        }
        double[] out = new double[(int) nOut];
        if (nIn == 0 && nOut > 0 && (op == Op.MIN || op == Op.MAX)) {
            throw emptyReduction(what);
        }
        Arrays.fill(out, op.identity());
        if (Math.abs(strides[axis]) > Math.abs(strides[other])) {
            // the reduced axis is the outer one in memory: add whole lines into the results
            for (long i = 0; i < nIn; i++) {
                Kernels.accumulate(op, dtype, data, offset + i * strides[axis], nOut, strides[other], out);
            }
        } else {
            for (int j = 0; j < nOut; j++) {
                out[j] = Kernels.reduce(op, dtype, data, offset + j * strides[other], nIn, strides[axis]);
            }
        }
        return out;
    }

    private void checkReducible(Op op, String what) {
        if ((op == Op.SUM || op == Op.NANSUM) && !dtype.isSummable()) {
            throw new DTypeMismatchException("cannot " + what + " datetime64 values: dtype=" + dtype
                    + "; use min/max (minLong/maxLong), or convert to int64");
        }
    }

    private EmptyReductionException emptyReduction(String what) {
        return new EmptyReductionException("zero-size array to reduction operation " + what
                + " which has no identity: shape=" + NpyLayout.shapeString(shape) + "; check size() first");
    }

    // ================================================================== iteration

    /** A run of {@code n} elements from byte offset {@code off}, {@code stride} bytes apart. */
    @FunctionalInterface
    private interface LineVisitor {
        void line(long off, long n, long stride);
    }

    /**
     * Visits every element as lines along the last axis, in C order; when {@code anyOrder} and
     * the array is contiguous in either order, as one line in memory order.
     */
    private void forEachLine(boolean anyOrder, LineVisitor v) {
        if (size == 0) {
            return;
        }
        int item = dtype.itemSize();
        if (isCContiguous() || (anyOrder && isFContiguous())) {
            v.line(offset, size, item);
            return;
        }
        int last = shape.length - 1;
        long[] idx = new long[last];
        long[] outer = Arrays.copyOf(shape, last);
        long lines = size / shape[last];
        for (long l = 0; l < lines; l++) {
            long off = offset;
            for (int k = 0; k < last; k++) {
                off += idx[k] * strides[k];
            }
            v.line(off, shape[last], strides[last]);
            increment(idx, outer);
        }
    }

    private static void increment(long[] idx, long[] shape) {
        for (int k = idx.length - 1; k >= 0; k--) {
            if (++idx[k] < shape[k]) {
                return;
            }
            idx[k] = 0;
        }
    }

    private void checkOpen() {
        if (backing.closed.get()) {
            throw new SegmentClosedException("array is closed: name=" + name()
                    + (root ? "" : " (a view of a closed array)") + "; attach it again to use it");
        }
    }

    // ================================================================== life

    /** Removes the segment's name (mappings stay valid until closed). No-op for a mapped file. */
    public void unlink() {
        if (backing.segment != null) {
            backing.segment.unlink();
        }
    }

    /**
     * Unmaps the array (and, for an owning scoped segment, removes it). Idempotent; a no-op on
     * views.
     */
    @Override
    public void close() {
        if (root) {
            backing.close();
        }
    }

    /** The mapping an array and its views share: a segment, or a file mapped in an arena. */
    private static final class Backing {
        final Segment segment;
        final Arena arena;
        final Path path;
        final AtomicBoolean closed = new AtomicBoolean();

        Backing(Segment segment, Arena arena, Path path) {
            this.segment = segment;
            this.arena = arena;
            this.path = path;
        }

        void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            if (segment != null) {
                segment.close();
            } else {
                arena.close();
            }
        }
    }
}
