package io.shm4j.array;

import io.shm4j.OutOfBoundsException;
import io.shm4j.Settings;
import io.shm4j.array.internal.Kernels;
import io.shm4j.segment.Access;
import io.shm4j.segment.ShmOptions;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentClosedException;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.SegmentSpec;
import io.shm4j.segment.ShmDirectory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
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
 * {@link #zeros}, {@link #copyOf} (of a Java array or a {@code .npy} file) and {@link #fromFunction} create a new
 * segment (kind {@code array}) by reserve → write → publish: other processes see it complete
 * or not at all. {@link #attach(String)} maps a published array (read-only by default),
 * {@link #open(Path)} maps a {@code .npy} file on disk read-only, and {@link #save(Path)} writes
 * one. All go through the same header code ({@link NpyLayout}).
 *
 * <h2>Views</h2>
 * {@link #row}, {@link #slice} and {@link #reshape} return views that share memory with the
 * array they come from. A view owns nothing: it is valid while its root array is open, and
 * closing a view does nothing.
 *
 * <h2>Element access</h2>
 * Typed element views share the array's memory: {@link #doubles()} (float64), {@link #floats()}
 * (float32), {@link #longs()} (int64, uint64, datetime64[ns]), {@link #ints()} (int32, uint32),
 * {@link #shorts()} (int16, uint16), {@link #bytes()} (int8, uint8, bool); a view of another type
 * throws {@link DTypeMismatchException}. {@link #getAsDouble} and {@link #getAsLong} convert from
 * any type. Indices are checked against the shape ({@link OutOfBoundsException}) unless bounds
 * checks are switched off ({@link Settings#boundsChecks()}); memory safety never depends on it.
 *
 * <h2>Concurrent writers</h2>
 * An array created {@link ShmOptions#asMutable() mutable} may be attached
 * {@link Access#READ_WRITE read-write} by several processes. Every typed view has the same
 * complete VarHandle set — plain, opaque, acquire/release and volatile gets and sets, and for
 * 32- and 64-bit elements the atomics ({@code compareAndSet}, {@code compareAndExchange},
 * {@code getAndSet}, {@code getAndAdd}, {@code addAndGet}) — across threads and processes, as
 * agrona's {@code AtomicBuffer}: a writer that stores data with plain sets and then a flag with
 * {@code longs().setRelease} makes the data visible to any reader (any process) that sees the
 * flag with {@code longs().getAcquire}. See {@code docs/array.md}.
 *
 * <h2>Where the rest lives</h2>
 * Reductions ({@link #sum()}, {@link #min()} …) run in {@code ArrayReductions} over the
 * zero-copy kernels; {@code .npy} file I/O ({@link #open}, {@link #save}) in {@code NpyFiles}.
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

    final Backing backing;
    final boolean root;
    final NpyHeader header;
    final MemorySegment data;
    final DType dtype;
    final long[] shape;
    final long[] strides;
    final long offset;
    final long size;
    final int itemSize;
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
        this.itemSize = header.itemSize();
        this.writable = !data.isReadOnly();
    }

    private static SharedArray rootOf(Backing backing, MemorySegment whole) {
        NpyHeader h;
        try {
            h = NpyLayout.decode(whole, false);
        } catch (RuntimeException e) {
            backing.close();
            throw e;
        }
        long[] shape = h.shape();
        MemorySegment data = whole.asSlice(h.dataOffset());
        return new SharedArray(backing, true, h, data, h.dtype(), shape,
                stridesFor(shape, h.itemSize(), h.fortranOrder()), 0);
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

    /** An array of zeros with the given options (no shape: a 0-d array). */
    public static SharedArray zeros(ShmOptions options, DType dtype, long... shape) {
        return create(options, dtype, shape.clone(), false, d -> { });
    }

    /**
     * A 1-d array holding a copy of a Java array, its type inferred: {@code double[]} → float64,
     * {@code float[]} → float32, {@code long[]} → int64, {@code int[]} → int32, {@code short[]} →
     * int16, {@code byte[]} → int8, {@code boolean[]} → bool.
     */
    public static SharedArray copyOf(ShmOptions options, Object javaArray) {
        return copyOf(options, NpyImage.of(javaArray));
    }

    /**
     * An array of the given type and shape holding a copy of a Java array in C order; see
     * {@link NpyImage#of(DType, long[], Object)} for which Java array fits which type.
     *
     * @throws DTypeMismatchException if the Java array's type does not fit {@code dtype}
     * @throws ShapeException if its length is not the shape's element count
     */
    public static SharedArray copyOf(ShmOptions options, DType dtype, long[] shape, Object javaArray) {
        return copyOf(options, NpyImage.of(dtype, shape, javaArray));
    }

    private static SharedArray copyOf(ShmOptions options, NpyImage image) {
        SegmentSpec spec = options.spec(image.size(), SegmentKind.ARRAY);
        // every byte is written next: pages of an array this process closed may be reused
        PendingSegment pending = options.directoryOrCurrent().reserveForOverwrite(spec);
        try {
            image.writeTo(pending); // through the kernel: no page fault per fresh 4 KiB page
            Segment seg = pending.publish();
            return rootOf(new Backing(seg, null, seg.path()), seg.memory());
        } catch (RuntimeException | Error e) {
            pending.close();
            throw e;
        }
    }

    /**
     * An array whose element at each index is {@code f(index)} cast to {@code dtype} (as NumPy's
     * {@code astype}). {@code f} is called once per element in C order with a reused index array
     * it must not keep.
     */
    public static SharedArray fromFunction(ShmOptions options, DType dtype, long[] shape,
            ToDoubleFunction<long[]> f) {
        if (!dtype.isSummable() && dtype.kind() != DType.Kind.DATETIME) {
            throw new DTypeMismatchException("cannot compute elements of this type from a number: dtype=" + dtype
                    + "; use zeros and complexes().set, or put a .npy file");
        }
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
    public static SharedArray fromLongFunction(ShmOptions options, DType dtype, long[] shape,
            ToLongFunction<long[]> f) {
        if (!dtype.isSummable() && dtype.kind() != DType.Kind.DATETIME) {
            throw new DTypeMismatchException("cannot compute elements of this type from a number: dtype=" + dtype
                    + "; use zeros and complexes().set, or put a .npy file");
        }
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
     * Record arrays stay record arrays; big-endian data (plain or in record fields) is converted
     * to little-endian ({@link #readHeader} tells whether a file is big-endian).
     *
     * @throws NpyFormatException if the file is not a well-formed .npy file
     * @throws UnsupportedDTypeException if its element type is not supported
     * @throws io.shm4j.FileAccessException if the file cannot be read
     */
    public static SharedArray copyOf(ShmOptions options, Path npyFile) {
        return NpyFiles.copyOf(options, npyFile);
    }

    /**
     * The header of a {@code .npy} file without opening it as an array: its type, shape, order
     * and whether its data is big-endian (which {@link #open} refuses and
     * {@link #copyOf(ShmOptions, Path)} converts).
     *
     * @throws NpyFormatException if the file is not a well-formed .npy file
     * @throws UnsupportedDTypeException if its element type is not supported
     * @throws io.shm4j.FileAccessException if the file cannot be read
     */
    public static NpyHeader readHeader(Path npyFile) {
        return NpyFiles.readHeader(npyFile);
    }

    static SharedArray create(ShmOptions o, DType dtype, long[] shape, boolean fortran,
            Consumer<MemorySegment> writer) {
        return create(o, dtype, null, shape, fortran, writer);
    }

    /** Creates an array of {@code dtype}, or of {@code record} when it is not null. */
    static SharedArray create(ShmOptions o, DType dtype, RecordType record, long[] shape, boolean fortran,
            Consumer<MemorySegment> writer) {
        byte[] head = record != null ? NpyLayout.encode(record, shape, fortran) : NpyLayout.encode(dtype, shape, fortran);
        int item = record != null ? record.itemSize() : dtype.itemSize();
        long dataBytes = Math.multiplyExact(NpyLayout.elementCount(shape), (long) item);
        SegmentSpec spec = o.spec(head.length + dataBytes, SegmentKind.ARRAY);
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
        return of(ShmDirectory.current().attach(name, access));
    }

    /** Attaches exactly the incarnation {@code ref} names, read-only. */
    public static SharedArray attach(SegmentRef ref) {
        return attach(ref, Access.READ_ONLY);
    }

    /** Attaches exactly the incarnation {@code ref} names. */
    public static SharedArray attach(SegmentRef ref, Access access) {
        return of(ShmDirectory.current().attach(ref, access));
    }

    /**
     * An array over an attached segment, taking over the handle: closing the array closes it.
     * Foreign {@code .npy} files (for example written by {@code np.save} into /dev/shm) are
     * accepted; on a bad format the segment is closed and the exception thrown.
     */
    public static SharedArray of(Segment segment) {
        if (segment.kind() == SegmentKind.FRAME) {
            segment.close();
            throw new NpyFormatException("segment holds a data frame, not an array: name=" + segment.name()
                    + ", kind=frame; attach it with SharedFrame");
        }
        return rootOf(new Backing(segment, null, segment.path()), segment.memory());
    }

    /**
     * Opens a {@code .npy} file anywhere on disk read-only, mapped in place (no copy); close the
     * array to unmap it.
     *
     * @throws io.shm4j.FileAccessException if the file cannot be opened
     * @throws NpyFormatException if it is not a well-formed .npy file
     */
    public static SharedArray open(Path npyFile) {
        NpyFiles.Mapped m = NpyFiles.map(npyFile);
        return rootOf(new Backing(null, m.arena(), npyFile), m.memory());
    }

    /**
     * Writes this array (or view) to a {@code .npy} file NumPy reads (what {@code shm4j export}
     * does). Contiguous data is written in one pass in its own order, straight from the mapping;
     * other views in C order. Atomic ({@link io.shm4j.segment.ExportFile}): the file is created
     * exclusively in the target's directory (mode: the segment's, minus the umask) and renamed into
     * place when complete, so a full disk, an error or a crash never leave a partial file.
     *
     * @throws io.shm4j.FileAccessException if the file cannot be written
     */
    public void save(Path file) {
        checkOpen();
        NpyFiles.save(this, file);
    }

    /** The permission bits an export of this array may have at most: its segment's (a file's: 0666). */
    int exportMode() {
        return backing.segment != null ? backing.segment.info().mode() : 0666;
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
        return Arrays.equals(strides, stridesFor(shape, itemSize, false)) || size <= 1;
    }

    /** Whether the elements are contiguous in Fortran (column-major) order. */
    public boolean isFContiguous() {
        return Arrays.equals(strides, stridesFor(shape, itemSize, true)) || size <= 1;
    }

    /** Whether writes are allowed through this handle. */
    public boolean isWritable() {
        return writable;
    }

    /**
     * A non-owning handle on the whole array (what a store {@code get} or a task receives): it
     * shares the mapping, is valid while this array is open, and closing it is harmless.
     */
    public SharedArray borrow() {
        checkOpen();
        return new SharedArray(backing, false, header, data, dtype, shape, strides, offset);
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

    /**
     * The underlying segment, or null for a mapped file on disk. On a view (owning nothing) it is
     * a {@linkplain Segment#borrow() borrowed} handle: closing it does nothing.
     */
    public Segment segment() {
        Segment s = backing.segment;
        return root || s == null || s.isClosed() ? s : s.borrow();
    }

    /** The ref another process attaches with {@link #attach(SegmentRef)}. */
    public SegmentRef ref() {
        if (backing.segment == null) {
            throw new io.shm4j.NotInSharedMemoryException("an array opened from a file has no segment ref: path="
                    + backing.path + "; copy it into shared memory with SharedArray.copyOf(options, path)");
        }
        return backing.segment.ref();
    }

    /**
     * One line for humans, for example
     * {@code prices float64 (1000, 3) C 24000 bytes read-only persistent}.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(name()).append(' ').append(header.typeName()).append(' ').append(NpyLayout.shapeString(shape))
                .append(' ').append(isCContiguous() ? "C" : isFContiguous() ? "F" : "strided").append(' ')
                .append(size * itemSize).append(" bytes ").append(writable ? "read-write" : "read-only");
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
            throw new OutOfBoundsException("slice out of bounds: from=" + from + ", to=" + to + ", length="
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
        return view(sh, stridesFor(sh, itemSize, false), offset);
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
            throw new OutOfBoundsException("wrong number of indices: given=" + index.length + ", ndim="
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
            throw new OutOfBoundsException("wrong number of indices: given=1, ndim=" + shape.length + ", shape="
                    + NpyLayout.shapeString(shape));
        }
        if (CHECKS) {
            checkIndex(0, i);
        }
        return offset + i * strides[0];
    }

    private void checkIndex(int axis, long i) {
        if (i < 0 || i >= shape[axis]) {
            throw new OutOfBoundsException("index out of bounds: axis=" + axis + ", index=" + i + ", size="
                    + shape[axis] + ", shape=" + NpyLayout.shapeString(shape));
        }
    }

    /**
     * The data bytes this array's elements live in (the root's data region; elements are at
     * {@link #byteOffset} with {@link #strides()}). Read-only unless {@link #isWritable()}.
     *
     * <p>A long loop over it is best written as a loop of calls over blocks: when any shared
     * arena of the process is closed meanwhile (another array closed, a dataset version
     * unmapped), HotSpot deoptimizes a thread whose top frame is compiled code reading segments,
     * and a single loop would finish in the interpreter (docs/array.md).
     */
    public MemorySegment data() {
        checkOpen();
        return data;
    }

    /** Byte offset of the first element (of a view: where its index 0 lies). */
    long firstOffset() {
        return offset;
    }

    OutOfBoundsException indexCountError(int given) {
        return new OutOfBoundsException("wrong number of indices: given=" + given + ", ndim=" + shape.length
                + ", shape=" + NpyLayout.shapeString(shape));
    }

    OutOfBoundsException indexError(int axis, long i) {
        return new OutOfBoundsException("index out of bounds: axis=" + axis + ", index=" + i + ", size="
                + shape[axis] + ", shape=" + NpyLayout.shapeString(shape));
    }

    ReadOnlyArrayException readOnlyError() {
        return new ReadOnlyArrayException("array is read-only: name=" + name()
                + "; create it with ShmOptions.asMutable() and attach it with Access.READ_WRITE to write");
    }

    DTypeMismatchException mismatch(String accessor) {
        String use = dtype == DType.RECORD ? "read a field with field(name)"
                : dtype.kind() == DType.Kind.COMPLEX ? "read the parts with complexes()"
                : "use the view of the array's type (doubles, floats, longs, ints, shorts, bytes), or getAsDouble/getAsLong to convert";
        return new DTypeMismatchException("element type mismatch: dtype=" + dtype + ", accessor=" + accessor + "; " + use);
    }

    /** Refuses complex and record arrays for what needs real numbers. */
    void needReal(String what) {
        if (dtype == DType.RECORD) {
            throw new DTypeMismatchException("a record array has no element values: accessor=" + what + ", fields="
                    + header.recordType().names() + "; read a field with field(name)");
        }
        if (dtype.kind() == DType.Kind.COMPLEX) {
            throw new DTypeMismatchException("complex elements are not real numbers: dtype=" + dtype + ", accessor="
                    + what + "; read the parts with complexes()");
        }
    }

    void needWritable() {
        if (!writable) {
            throw readOnlyError();
        }
    }

    /** The elements as {@code double} (float64 arrays): plain, ordered and atomic access. */
    public DoubleElements doubles() {
        return new DoubleElements(this);
    }

    /** The elements as {@code float} (float32 arrays): plain, ordered and atomic access. */
    public FloatElements floats() {
        return new FloatElements(this);
    }

    /** The elements as {@code long} (int64, uint64, datetime64[ns] arrays): plain, ordered and atomic access. */
    public LongElements longs() {
        return new LongElements(this);
    }

    /** The elements as {@code int} (int32, uint32 arrays): plain, ordered and atomic access. */
    public IntElements ints() {
        return new IntElements(this);
    }

    /** The elements as {@code short} (int16, uint16 arrays): plain and ordered access. */
    public ShortElements shorts() {
        return new ShortElements(this);
    }

    /** The elements as {@code byte} (int8, uint8, bool arrays): plain and ordered access. */
    public ByteElements bytes() {
        return new ByteElements(this);
    }

    /** The real and imaginary parts of a complex64 / complex128 array. */
    public ComplexElements complexes() {
        return new ComplexElements(this);
    }

    /**
     * The type of a record array (NumPy structured dtype; {@link #dtype()} is
     * {@link DType#RECORD}): its fields, their types and offsets.
     *
     * @throws DTypeMismatchException if this is not a record array
     */
    public RecordType recordType() {
        if (header.recordType() == null) {
            throw new DTypeMismatchException("not a record array: dtype=" + dtype + "; recordType() is for structured dtypes");
        }
        return header.recordType();
    }

    /**
     * One field of a record array, as a strided view over every record (NumPy's {@code a['name']}).
     *
     * @throws DTypeMismatchException if this is not a record array
     * @throws UnsupportedDTypeException if there is no such field (the message lists the fields)
     */
    public RecordField field(String name) {
        return new RecordField(this, recordType().field(name));
    }

    /**
     * The first {@code n} entries along the first axis as text, one per line, elements as NumPy
     * prints them: for a record array a table with one column per field; for a 1-d array the
     * index and the value; for more dimensions the index and the row's elements.
     */
    public String head(int n) {
        checkOpen();
        StringBuilder sb = new StringBuilder();
        long rows = shape.length == 0 ? 1 : Math.min(n, shape[0]);
        long inner = shape.length <= 1 ? 1 : size / Math.max(1, shape[0]);
        if (dtype == DType.RECORD) {
            java.util.List<RecordField> fs = recordType().fields().stream().map(f -> new RecordField(this, f)).toList();
            java.util.List<String[]> table = new java.util.ArrayList<>();
            String[] head = new String[fs.size() + 1];
            head[0] = "";
            for (int k = 0; k < fs.size(); k++) {
                head[k + 1] = fs.get(k).name();
            }
            table.add(head);
            long[] idx = new long[shape.length];
            for (long r = 0; r < rows * inner && r < n; r++) {
                String[] row = new String[fs.size() + 1];
                row[0] = Long.toString(r);
                for (int k = 0; k < fs.size(); k++) {
                    row[k + 1] = fs.get(k).format(idx);
                }
                table.add(row);
                increment(idx, shape);
            }
            int[] w = new int[head.length];
            for (String[] row : table) {
                for (int k = 0; k < row.length; k++) {
                    w[k] = Math.max(w[k], row[k].length());
                }
            }
            for (String[] row : table) {
                StringBuilder line = new StringBuilder();
                for (int k = 0; k < row.length; k++) {
                    line.append(k == 0 ? "" : "  ").append(row[k]).repeat(' ', w[k] - row[k].length());
                }
                sb.append(line.toString().stripTrailing()).append('\n');
            }
            return sb.toString();
        }
        long[] idx = new long[shape.length];
        for (long r = 0; r < rows; r++) {
            sb.append(shape.length == 0 ? "" : r + "  ");
            if (inner > 1) {
                sb.append('[');
            }
            for (long k = 0; k < inner; k++) {
                if (k > 0) {
                    sb.append(' ');
                }
                if (k == 8 && inner > 10) {
                    sb.append("...");
                    for (long skip = k; skip < inner; skip++) {
                        increment(idx, shape);
                    }
                    break;
                }
                sb.append(format(idx));
                increment(idx, shape);
            }
            sb.append(inner > 1 ? "]\n" : "\n");
        }
        return sb.toString();
    }

    /** One element as NumPy prints it ({@code str(a[i])}): {@code 2.5}, {@code 2024-01-31}, {@code (1+2j)}, {@code True}. */
    public String format(long... index) {
        needNotRecord("format");
        long off = byteOffset(index);
        return switch (dtype.kind()) {
            case COMPLEX -> complexes().format(index);
            case FLOAT -> dtype == DType.FLOAT64 ? NumpyText.float64(Kernels.readDouble(dtype, data, off))
                    : dtype == DType.FLOAT16 ? NumpyText.float16(data.get(Kernels.I16, off))
                    : NumpyText.float32((float) Kernels.readDouble(dtype, data, off));
            case BOOL -> Kernels.readLong(dtype, data, off) != 0 ? "True" : "False";
            case INTEGER -> dtype == DType.UINT64 ? Long.toUnsignedString(Kernels.readLong(dtype, data, off))
                    : Long.toString(Kernels.readLong(dtype, data, off));
            case DATETIME, TIMEDELTA -> NumpyText.time(dtype, Kernels.readLong(dtype, data, off));
            case RECORD -> throw new IllegalStateException("record");
        };
    }

    private void needNotRecord(String what) {
        if (dtype == DType.RECORD) {
            needReal(what);
        }
    }

    /** Any element as double: unsigned values exactly, bool as 0/1, datetime64 as its nanoseconds. */
    public double getAsDouble(long... index) {
        needReal("getAsDouble");
        return Kernels.readDouble(dtype, data, byteOffset(index));
    }

    /**
     * An integer, bool or datetime64 element widened to long (unsigned types zero-extended,
     * uint64 as its bits).
     *
     * @throws DTypeMismatchException for float types
     */
    public long getAsLong(long... index) {
        needReal("getAsLong");
        if (dtype.kind() == DType.Kind.FLOAT) {
            throw mismatch("getAsLong");
        }
        return Kernels.readLong(dtype, data, byteOffset(index));
    }

    // ================================================================== bulk (ArrayCopies)

    /** Sets every element to {@code value} cast to the element type (as NumPy's {@code fill}). */
    public void fill(double value) {
        ArrayCopies.fill(this, value);
    }

    /** Sets every element to {@code value} cast to the element type. */
    public void fill(long value) {
        ArrayCopies.fill(this, value);
    }

    /**
     * A copy of the elements in C order, as the Java array of the element type's width:
     * {@code double[]}, {@code float[]}, {@code long[]} (int64, uint64, datetime64),
     * {@code int[]}, {@code short[]}, {@code byte[]} or {@code boolean[]}.
     *
     * @throws ShapeException if the array has more than {@link Integer#MAX_VALUE} elements
     */
    public Object toArray() {
        return ArrayCopies.toArray(this);
    }

    /** A copy of the elements in C order converted to double (as {@code a.astype(float64)}). */
    public double[] toDoubleArray() {
        return ArrayCopies.toDoubleArray(this);
    }

    /** A copy of the elements in C order widened to long (integer, bool and datetime types). */
    public long[] toLongArray() {
        return ArrayCopies.toLongArray(this);
    }

    /** Copies a Java array of the element type's width into this array, in C order. */
    public void copyFrom(Object javaArray) {
        ArrayCopies.copyFrom(this, javaArray);
    }

    // ================================================================== reductions (ArrayReductions)

    /** Sum of all elements in double (NaN propagates; empty: 0.0). Not for datetime64. */
    public double sum() {
        return ArrayReductions.sum(this);
    }

    /** Sum treating NaN as zero (NumPy's {@code nansum}; empty or all-NaN: 0.0). */
    public double nansum() {
        return ArrayReductions.nansum(this);
    }

    /**
     * Smallest element (NaN if any element is NaN, as NumPy; -0.0 and 0.0 compare equal, and
     * which one is returned when both occur is unspecified, as in NumPy).
     *
     * @throws EmptyReductionException if the array is empty
     */
    public double min() {
        return ArrayReductions.min(this);
    }

    /** Largest element (NaN propagates). @throws EmptyReductionException if the array is empty */
    public double max() {
        return ArrayReductions.max(this);
    }

    /** Arithmetic mean ({@code sum() / size()}; empty: NaN, as NumPy). */
    public double mean() {
        return ArrayReductions.mean(this);
    }

    /** Sum along {@code axis} of a 2-d array (axis 0: one result per column; 1: per row). */
    public double[] sum(int axis) {
        return ArrayReductions.sum(this, axis);
    }

    /** nansum along {@code axis} of a 2-d array. */
    public double[] nansum(int axis) {
        return ArrayReductions.nansum(this, axis);
    }

    /** Minimum along {@code axis} of a 2-d array. @throws EmptyReductionException if the axis is empty */
    public double[] min(int axis) {
        return ArrayReductions.min(this, axis);
    }

    /** Maximum along {@code axis} of a 2-d array. @throws EmptyReductionException if the axis is empty */
    public double[] max(int axis) {
        return ArrayReductions.max(this, axis);
    }

    /** Mean along {@code axis} of a 2-d array (NaN where the axis is empty). */
    public double[] mean(int axis) {
        return ArrayReductions.mean(this, axis);
    }

    /** Exact wrapping sum of an integer or bool array as long (NumPy's int64/uint64 sum). */
    public long sumLong() {
        return ArrayReductions.sumLong(this);
    }

    /** Smallest element of an integer, bool or datetime64 array, exactly (uint64 as its bits). */
    public long minLong() {
        return ArrayReductions.minLong(this);
    }

    /** Largest element of an integer, bool or datetime64 array, exactly (uint64 as its bits). */
    public long maxLong() {
        return ArrayReductions.maxLong(this);
    }

    // ================================================================== iteration

    /** A run of {@code n} elements from byte offset {@code off}, {@code stride} bytes apart. */
    @FunctionalInterface
    interface LineVisitor {
        void line(long off, long n, long stride);
    }

    /**
     * Visits every element as lines along the last axis, in C order; when {@code anyOrder} and
     * the array is contiguous in either order, as one line in memory order.
     */
    void forEachLine(boolean anyOrder, LineVisitor v) {
        if (size == 0) {
            return;
        }
        int item = itemSize;
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

    static void increment(long[] idx, long[] shape) {
        for (int k = idx.length - 1; k >= 0; k--) {
            if (++idx[k] < shape[k]) {
                return;
            }
            idx[k] = 0;
        }
    }

    void checkOpen() {
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
