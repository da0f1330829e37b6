package io.shm4j.frame;

import io.shm4j.BadFormatException;
import io.shm4j.Shm4jException;
import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.ArrowFile;
import io.shm4j.frame.internal.ArrowFileLayout;
import io.shm4j.frame.internal.ArrowReader;
import io.shm4j.frame.internal.ArrowWriter;
import io.shm4j.frame.internal.IpcRewrite;
import io.shm4j.FileAccessException;
import io.shm4j.segment.ShmOptions;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentClosedException;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.SegmentSpec;
import io.shm4j.Settings;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A data frame in shared memory: a segment (kind {@code frame}) whose bytes are an Arrow IPC
 * file — uncompressed, 64-byte aligned buffers, pandas metadata — so pyarrow, pandas and polars
 * open it with their own code ({@code pyarrow.ipc.open_file(pyarrow.memory_map(path))},
 * {@code polars.read_ipc(path, memory_map=True)}), and Java reads it in place through
 * {@link FrameView} and the typed {@link Column} views.
 *
 * <p><b>Ownership:</b> a {@code SharedFrame} owns one mapping. Closing it unmaps; if it built a
 * scoped frame (the owning handle), closing also removes the segment (see {@link Segment}).
 * Views and columns taken from it must not be used after {@link #close()}: they then throw
 * {@link IllegalStateException}, never crash.
 *
 * <p><b>Threading:</b> thread-safe; views are immutable. {@link #close()} is idempotent.
 *
 * <p><b>Processes:</b> a published frame is immutable; any number of processes may attach it.
 */
public final class SharedFrame implements AutoCloseable {
    private final Segment segment;
    private final Arena fileArena;
    private final Path path;
    private final MemorySegment memory;
    private final FrameView view;
    private final long size;
    private final AtomicBoolean closed;
    private final boolean owning;

    private SharedFrame(Segment segment, Arena fileArena, Path path, MemorySegment memory) {
        this.segment = segment;
        this.fileArena = fileArena;
        this.path = path;
        this.memory = memory;
        this.size = memory.byteSize();
        this.view = FrameView.of(ArrowReader.read(memory));
        this.closed = new AtomicBoolean();
        this.owning = true;
    }

    private SharedFrame(SharedFrame owner) {
        this.segment = owner.segment == null ? null : owner.segment.borrow(); // closing it is harmless too
        this.fileArena = null;
        this.path = owner.path;
        this.memory = owner.memory;
        this.size = owner.size;
        this.view = owner.view;
        this.closed = owner.closed;
        this.owning = false;
    }

    /**
     * A non-owning handle on the same mapping (what a store {@code get} or a task receives):
     * valid while this frame is open; closing it is harmless and unmaps nothing.
     */
    public SharedFrame borrow() {
        checkOpen();
        return new SharedFrame(this);
    }

    /** Whether closing this handle unmaps (false for a {@link #borrow() borrowed} one). */
    public boolean isOwning() {
        return owning;
    }

    // ------------------------------------------------------------------ factories

    /** A builder for a frame of {@code rows} rows, written straight into shared memory. */
    public static FrameBuilder builder(long rows) {
        return new FrameBuilder(rows);
    }

    /** Attaches the frame {@code name} of the current shm directory, read-only. */
    public static SharedFrame attach(String name) {
        return of(Segment.attach(name));
    }

    /** Attaches exactly the incarnation {@code ref} names, read-only. */
    public static SharedFrame attach(SegmentRef ref) {
        return of(Segment.attach(ref, io.shm4j.segment.Access.READ_ONLY));
    }

    /**
     * Views an attached segment as a frame; the frame takes over the handle (closing the frame
     * closes it, also when this method fails). Accepts segments of kind {@code frame},
     * {@code object}, and foreign files (for example a feather file pyarrow wrote to /dev/shm).
     */
    public static SharedFrame of(Segment segment) {
        try {
            SegmentKind k = segment.kind();
            if (k == SegmentKind.ARRAY || k == SegmentKind.RAW) {
                throw new BadFormatException("segment is not a frame: name=" + segment.name() + ", kind=" + k.label()
                        + "; attach it with SharedArray or Segment instead");
            }
            return new SharedFrame(segment, null, segment.path(), segment.memory());
        } catch (RuntimeException e) {
            segment.close();
            throw e;
        }
    }

    /** Maps an Arrow IPC / feather v2 file anywhere on disk read-only and views it in place. */
    public static SharedFrame open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment m = ch.size() == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new SharedFrame(null, arena, file, m);
        } catch (IOException e) {
            arena.close();
            throw new FileAccessException("cannot open frame file: path=" + file + ", error=" + e.getMessage()
                    + "; check that it is a readable regular file", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Copies a file into shared memory as a new frame (what {@code shm4j put} does): {@code .csv}
     * is parsed with type inference (header row; RFC 4180 quoting; empty unquoted field = null,
     * {@code ""} = empty string; per column int64, float64, bool, timestamp or string);
     * {@code .arrow}, {@code .feather}, {@code .ipc}, {@code .arrows}: an uncompressed Arrow IPC
     * file of the builder's types (any number of batches) is rewritten as one aligned batch; a
     * compressed one (LZ4 frame, ZSTD: {@code to_feather}'s default), an IPC <i>stream</i>, or a
     * file with other readable types (string_view, dates, decimals, lists ...) is rewritten into
     * the uncompressed file format with its schema, batches and types as they are, every buffer
     * 64-byte aligned (decompressing needs {@code at.yawk.lz4:lz4-java} or
     * {@code com.github.luben:zstd-jni} on the class path). Other extensions are sniffed: Arrow
     * magic or stream marker, else CSV.
     *
     * @throws io.shm4j.FileAccessException if the file cannot be read
     */
    public static SharedFrame copyOf(ShmOptions options, Path file) {
        if (isCsv(file)) {
            return FrameCsv.put(file, options);
        }
        if (!needsRewrite(file)) {
            try (SharedFrame source = open(file)) {
                return FrameBuilder.copyOf(source.view()).build(options);
            }
        }
        return putRewritten(options, file);
    }

    /**
     * Whether a file must go through {@link IpcRewrite} rather than a column-by-column copy: an
     * IPC stream, a compressed file, or a file with types the builder does not write (those are
     * kept exactly as they are).
     */
    private static boolean needsRewrite(Path file) {
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < ArrowFileLayout.MIN_FILE_SIZE) {
                return ch.size() >= 8 && !ArrowFileLayout.startsWithMagic(ch.map(FileChannel.MapMode.READ_ONLY, 0,
                        ch.size(), arena), 0);
            }
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            if (!ArrowFileLayout.startsWithMagic(m, 0)) {
                return true;
            }
            ArrowFile f;
            try {
                f = ArrowReader.read(m);
            } catch (CompressedFrameException e) {
                return true;
            }
            for (ArrowField a : f.fields()) {
                if (a.type().ordinal() > ColumnType.CATEGORY.ordinal() || a.isView()
                        || (a.isDictionary() && a.type() != ColumnType.CATEGORY)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            throw new FileAccessException("cannot open frame file: path=" + file + ", error=" + e.getMessage()
                    + "; check that it is a readable regular file", e);
        }
    }

    /**
     * Puts an Arrow IPC file or stream, compressed or not, into a new segment in the file format,
     * uncompressed and 64-byte aligned, with its schema, batches and dictionaries as they are.
     */
    private static SharedFrame putRewritten(ShmOptions options, Path file) {
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment m = ch.size() == 0 ? MemorySegment.ofArray(new byte[0])
                    : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            IpcRewrite.Plan plan = IpcRewrite.plan(m);
            SegmentSpec spec = options.spec(plan.size(), SegmentKind.FRAME).withHugePages(Settings.hugePages());
            Segment seg;
            try (PendingSegment pending = options.directoryOrCurrent().reserve(spec)) {
                // no prefault: the buffers are moved in by the kernel (Native.kernelCopy), which maps the pages itself
                plan.writeTo(pending.memory());
                ArrowReader.read(pending.memory()); // never publish what the frame layer cannot read
                seg = pending.publish();
            }
            return of(seg);
        } catch (IOException e) {
            throw new FileAccessException("cannot open frame file: path=" + file + ", error=" + e.getMessage()
                    + "; check that it is a readable regular file", e);
        }
    }

    /**
     * A new frame with one column per field of a 1-d NumPy record array (structured dtype), as
     * {@code pandas.DataFrame.from_records(records)} makes, with a RangeIndex; the values are
     * read from the records and written once, into the new segment. Types: see
     * {@link FrameBuilder#addRecords}; for a selection of fields, an index or more columns, use
     * {@code builder(records.size()).addRecords(records, "a", "b")...}.
     *
     * @throws UnsupportedArrowTypeException for a complex field, naming the field and its dtype
     * @throws io.shm4j.array.DTypeMismatchException if {@code records} is not a record array
     */
    public static SharedFrame fromRecords(ShmOptions options, io.shm4j.array.SharedArray records) {
        return builder(records.size()).addRecords(records).build(options);
    }

    /** Copies a view (any selection or slice of any frame) into a new frame. */
    public static SharedFrame copyOf(ShmOptions options, FrameView view) {
        return FrameBuilder.copyOf(view).build(options);
    }

    static SharedFrame create(ArrowWriter.Plan plan, ShmOptions options) {
        SegmentSpec spec = options.spec(plan.size(), SegmentKind.FRAME).withHugePages(Settings.hugePages());
        Segment seg;
        try (PendingSegment pending = options.directoryOrCurrent().reserve(spec)) {
            plan.writeTo(pending.memory());
            seg = pending.publish();
        }
        return of(seg);
    }

    /**
     * Writes a frame file atomically ({@link io.shm4j.segment.ExportFile}): the plan writes
     * straight into a mapping of a new file in the target's directory, reserved first (a full disk
     * is a clear error, never a fault), which is renamed into place when complete. No memory in
     * proportion to the frame is allocated.
     */
    static void writeFile(ArrowWriter.Plan plan, Path file) {
        writeFile(plan, file, 0666);
    }

    private static void writeFile(ArrowWriter.Plan plan, Path file, int mode) {
        try (io.shm4j.segment.ExportFile out = io.shm4j.segment.ExportFile.create(file, mode)) {
            try (Arena arena = Arena.ofConfined()) {
                plan.writeTo(out.map(plan.size(), arena));
            }
            out.commit();
        }
    }

    static void export(FrameView view, SharedFrame whole, Path file) {
        int mode = whole != null && whole.segment != null ? whole.segment.info().mode() : 0666;
        if (isCsv(file)) {
            try (io.shm4j.segment.ExportFile out = io.shm4j.segment.ExportFile.create(file, mode)) {
                try (java.io.OutputStream w = new java.io.BufferedOutputStream(out.stream(), 1 << 16)) {
                    FrameCsv.write(view, w);
                } catch (IOException e) {
                    throw new FileAccessException("cannot write CSV: path=" + file + ", error=" + e.getMessage(), e);
                }
                out.commit();
            }
        } else if (whole != null) {
            try (io.shm4j.segment.ExportFile out = io.shm4j.segment.ExportFile.create(file, mode)) {
                out.write(whole.memory()); // straight from the mapping
                out.commit();
            }
        } else {
            writeFile(FrameBuilder.copyOf(view).plan(), file, mode);
        }
    }

    private static boolean isCsv(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".csv") || n.endsWith(".csv.txt")) {
            return true;
        }
        if (n.endsWith(".arrow") || n.endsWith(".feather") || n.endsWith(".ipc") || n.endsWith(".arrows")) {
            return false;
        }
        if (!Files.exists(file)) {
            return false;
        }
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(ArrowFileLayout.MAGIC.length);
            boolean stream = head.length >= 4 && head[0] == -1 && head[1] == -1 && head[2] == -1 && head[3] == -1;
            return !stream && !java.util.Arrays.equals(head, ArrowFileLayout.MAGIC);
        } catch (IOException e) {
            throw new FileAccessException("cannot read file: path=" + file + ", error=" + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ the frame

    /** The whole frame as a view. */
    public FrameView view() {
        checkOpen();
        return view;
    }

    /** Number of rows. */
    public long rowCount() {
        return view().rowCount();
    }

    /** Number of data columns. */
    public int columnCount() {
        return view().columnCount();
    }

    /** Data column names, in order. */
    public List<String> columnNames() {
        return view().columnNames();
    }

    /** See {@link FrameView#column(String)}. */
    public Column column(String name) {
        return view().column(name);
    }

    /** See {@link FrameView#doubles(String)}. */
    public DoubleColumn doubles(String name) {
        return view().doubles(name);
    }

    /** See {@link FrameView#longs(String)}. */
    public LongColumn longs(String name) {
        return view().longs(name);
    }

    /** See {@link FrameView#ints(String)}. */
    public IntColumn ints(String name) {
        return view().ints(name);
    }

    /** See {@link FrameView#bools(String)}. */
    public BoolColumn bools(String name) {
        return view().bools(name);
    }

    /** See {@link FrameView#timestamps(String)}. */
    public TimestampColumn timestamps(String name) {
        return view().timestamps(name);
    }

    /** See {@link FrameView#strings(String)}. */
    public StringColumn strings(String name) {
        return view().strings(name);
    }

    /** The index. */
    public FrameIndex index() {
        return view().index();
    }

    /** See {@link FrameView#select}. */
    public FrameView select(String... names) {
        return view().select(names);
    }

    /** See {@link FrameView#slice}. */
    public FrameView slice(long from, long to) {
        return view().slice(from, to);
    }

    /** See {@link FrameView#rowChunks}. */
    public List<FrameView> rowChunks(int parts) {
        return view().rowChunks(parts);
    }

    /** A pandas-like text table of the first {@code n} rows. */
    public String head(int n) {
        return view().head(n);
    }

    /** Columns with their Arrow types and null counts, the index and the row count. */
    public String schemaDescription() {
        return view().schemaDescription();
    }

    /**
     * Writes the frame to {@code file}: {@code .csv} as CSV, otherwise the Arrow IPC file
     * bytes as they are in shared memory.
     */
    public void save(Path file) {
        export(view(), this, file);
    }

    /** The mapped bytes (the Arrow IPC file). */
    public MemorySegment memory() {
        checkOpen();
        return memory;
    }

    /** The segment, or null when the frame was opened from a file with {@link #open}. */
    public Segment segment() {
        return segment;
    }

    /** The ref to send to another process ({@link #attach(SegmentRef)}); frames from files have none. */
    public SegmentRef ref() {
        if (segment == null) {
            throw new io.shm4j.NotInSharedMemoryException("a frame opened from a file has no segment ref: path="
                    + path + "; copy it into shared memory with SharedFrame.copyOf(options, path)");
        }
        return segment.ref();
    }

    /** The segment name, or the file name for frames opened from files. */
    public String name() {
        return segment != null ? segment.name() : path.getFileName().toString();
    }

    /** The file that holds the bytes. */
    public Path path() {
        return path;
    }

    /** Size of the Arrow file in bytes. */
    public long byteSize() {
        return size;
    }

    /** Removes the segment name (mappings stay valid until closed). No-op for files. */
    public void unlink() {
        if (segment != null) {
            segment.unlink();
        }
    }

    /**
     * Unmaps (and, on the owning handle of a scoped frame, removes the segment). Idempotent; does
     * nothing on a {@linkplain #borrow() borrowed} frame.
     */
    @Override
    public void close() {
        if (!owning || !closed.compareAndSet(false, true)) {
            return;
        }
        if (segment != null) {
            segment.close();
        } else {
            fileArena.close();
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new SegmentClosedException("frame is closed: name=" + name() + "; attach it again to use it");
        }
    }

    @Override
    public String toString() {
        return "SharedFrame[name=" + name() + ", rows=" + view.rowCount() + ", columns=" + view.columnCount()
                + ", bytes=" + size + (closed.get() ? ", closed" : "") + "]";
    }
}
