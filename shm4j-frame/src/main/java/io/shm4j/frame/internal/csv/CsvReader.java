package io.shm4j.frame.internal.csv;

import io.shm4j.Shm4jException;
import io.shm4j.frame.FrameFormatException;
import io.shm4j.frame.internal.ColumnSource;
import io.shm4j.segment.internal.Native;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads a CSV file into column sources for the frame builder, in one pass over the bytes:
 *
 * <ol>
 *   <li>the header, then a sample of the first rows, which gives each column its starting kind;
 *   <li>the rest is cut into chunks of a few MB; threads (one per core) parse chunks into native
 *       scratch memory ({@link ChunkParser}). A chunk after the first guesses where its first
 *       record starts (after the first newline); the guesses are checked in order afterwards and
 *       a chunk whose guess was wrong (a newline inside quotes) is parsed again;
 *   <li>the kinds of all chunks are joined per column; a chunk that a later value made
 *       incompatible (say a number column that turned out to be text) is parsed again with the
 *       final kind; other differences are converted while writing (int64 → float64, dates →
 *       timestamps, ns → us);
 *   <li>{@link #columns()} then writes each column straight into the frame's segment.
 * </ol>
 *
 * <p>Memory: the heap holds per thread one chunk of bytes and its typed arrays, whatever the
 * file size; the parsed columns wait in native scratch memory (the size of the frame) until
 * the frame is written. {@link #close()} frees it.
 *
 * <p>Not thread-safe; one read, then close.
 */
public final class CsvReader implements AutoCloseable {
    /** The sample that gives the starting kinds: small, it is parsed before the threads start (cold code). */
    private static final int SAMPLE_BYTES = 64 * 1024;
    private static final java.util.concurrent.atomic.AtomicBoolean LINKED = new java.util.concurrent.atomic.AtomicBoolean();

    private final Path path;
    private final Arena scratch = Arena.ofShared();
    private final List<String> names;
    private final List<ColumnSource> columns = new ArrayList<>();
    private long rows;

    private CsvReader(Path path, List<String> names) {
        this.path = path;
        this.names = names;
    }

    /** The column names, pandas style ({@code Unnamed: i} for empty, {@code a.1} for repeats). */
    public List<String> names() {
        return names;
    }

    /** The columns, ready for the builder (valid until {@link #close()}). */
    public List<ColumnSource> columns() {
        return columns;
    }

    /** Data rows. */
    public long rows() {
        return rows;
    }

    @Override
    public void close() {
        scratch.close();
    }

    /**
     * Reads {@code csv}.
     *
     * @param threads parser threads (at least 1)
     * @throws FrameFormatException for malformed CSV, naming the row
     */
    public static CsvReader read(Path csv, int threads) {
        linkSegmentCallsAhead();
        try (FileChannel ch = FileChannel.open(csv, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new FrameFormatException("empty CSV file: path=" + csv + "; a header row is needed");
            }
            long[] dataStart = new long[1];
            List<String> header = header(ch, size, csv, dataStart);
            CsvReader r = new CsvReader(csv, names(header));
            try {
                r.parse(ch, size, dataStart[0], Math.max(1, threads));
            } catch (RuntimeException | Error e) {
                r.close();
                throw e;
            }
            return r;
        } catch (IOException e) {
            throw new Shm4jException("cannot read CSV: path=" + csv + ", error=" + e.getMessage()
                    + "; check that the file exists and is readable", e);
        }
    }

    /**
     * The first read in a JVM links the native calls that creating the frame's segment will make
     * (on a thread of its own, while the file is parsed): on cold code that is a tenth of a second
     * a CLI put would otherwise wait for after parsing.
     */
    private static void linkSegmentCallsAhead() {
        if (LINKED.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("shm4j-link").start(() -> {
                try {
                    Native.linkSegmentCalls();
                } catch (Throwable e) {
                    // the segment's creation reports a failure to link where it happens
                }
            });
        }
    }

    private void parse(FileChannel ch, long size, long dataStart, int threads) throws IOException {
        int width = names.size();
        long dataBytes = size - dataStart;
        // the sample: the first rows give each column its starting kind
        byte[] kinds0 = new byte[width];
        if (dataBytes > 0) {
            ChunkParser sampler = new ChunkParser(width, ch, size, SAMPLE_BYTES + 65_536);
            ChunkResult s = sampler.parse(dataStart, false, Math.min(size, dataStart + SAMPLE_BYTES), kinds0, null);
            if (s.error() == null) {
                kinds0 = sampler.kinds();
            }
        }
        // chunks: small enough that threads x chunk stays a small part of the heap
        long heapShare = Runtime.getRuntime().maxMemory() / (24L * threads);
        long chunk = Math.clamp(heapShare, 256 * 1024, 8 * 1024 * 1024);
        chunk = Math.min(chunk, Math.max(64 * 1024, dataBytes / (threads * 4L)));
        int count = (int) Math.max(1, (dataBytes + chunk - 1) / chunk);
        long[] nominal = new long[count + 1];
        for (int k = 0; k < count; k++) {
            nominal[k] = dataStart + k * chunk;
        }
        nominal[count] = size;
        ChunkResult[] results = new ChunkResult[count];
        int bufferBytes = (int) Math.min(Integer.MAX_VALUE - 16, chunk + 128 * 1024);
        byte[] start = kinds0;
        runParallel(count, Math.min(threads, count), () -> new ChunkParser(width, ch, size, bufferBytes),
                (parser, k) -> results[k] = parser.parse(nominal[k], k > 0, nominal[k + 1], start, scratch));
        // check the guessed starts in order; parse again from the right start where one was wrong
        ChunkParser serial = new ChunkParser(width, ch, size, bufferBytes);
        long at = dataStart;
        long before = 0;
        for (int k = 0; k < count; k++) {
            ChunkResult r = results[k];
            if (r.start() != at) {
                r = results[k] = at >= nominal[k + 1] ? new ChunkResult(at, at, 0, emptyParts(width), null)
                        : serial.parse(at, false, nominal[k + 1], start, scratch);
            }
            if (r.error() != null) {
                throw new FrameFormatException(r.error().getMessage() + ": path=" + path + ", row="
                        + (before + r.error().row + 1));
            }
            at = r.end();
            before += r.rows();
        }
        rows = before;
        // join the kinds; parse again, as text, the chunks a column became text after
        byte[] fin = new byte[width];
        for (int round = 0; round <= width; round++) {
            Arrays.fill(fin, Kind.NULL);
            for (ChunkResult r : results) {
                for (int c = 0; c < width; c++) {
                    fin[c] = Kind.join(fin[c], r.parts()[c].kind());
                }
            }
            for (int c = 0; c < width; c++) {
                fin[c] = settle(fin[c], c, results);
            }
            boolean again = false;
            for (int k = 0; k < count; k++) {
                ChunkResult r = results[k];
                byte[] ks = null;
                for (int c = 0; c < width; c++) {
                    if (!convertible(r.parts()[c].kind(), fin[c])) {
                        if (ks == null) {
                            ks = kindsOf(r);
                        }
                        ks[c] = Kind.STRING;
                    }
                }
                if (ks != null) {
                    again = true;
                    results[k] = serial.parse(r.start(), false, nominal[k + 1], ks, scratch);
                    if (results[k].error() != null) {
                        throw new FrameFormatException(results[k].error().getMessage() + ": path=" + path);
                    }
                }
            }
            if (!again) {
                break;
            }
        }
        for (int c = 0; c < width; c++) {
            ColumnPart[] parts = new ColumnPart[count];
            for (int k = 0; k < count; k++) {
                parts[k] = results[k].parts()[c];
            }
            columns.add(CsvColumn.of(names.get(c), fin[c], parts, rows));
        }
    }

    /** Timestamps: naive and offset values together are text; dates outside ns make us. */
    private static byte settle(byte k, int c, ChunkResult[] results) {
        if (k < Kind.DATE || k > Kind.TSU) {
            return k;
        }
        boolean naive = false;
        boolean offset = false;
        boolean datesOut = false;
        for (ChunkResult r : results) {
            ColumnPart p = r.parts()[c];
            naive |= p.naive() || p.kind() == Kind.DATE;
            offset |= p.withOffset();
            datesOut |= p.datesOutsideNanos();
        }
        if (naive && offset) {
            return Kind.STRING;
        }
        return k == Kind.TS && datesOut ? Kind.TSU : k;
    }

    private static boolean convertible(byte from, byte to) {
        return from == to || from == Kind.NULL || (from == Kind.INT && to == Kind.FLOAT)
                || (from >= Kind.DATE && from <= to && to <= Kind.TSU);
    }

    private static byte[] kindsOf(ChunkResult r) {
        byte[] ks = new byte[r.parts().length];
        for (int c = 0; c < ks.length; c++) {
            ks[c] = r.parts()[c].kind();
        }
        return ks;
    }

    private static ColumnPart[] emptyParts(int width) {
        ColumnPart[] p = new ColumnPart[width];
        for (int c = 0; c < width; c++) {
            p[c] = new ColumnPart(Kind.NULL, 0, 0, null, null, null, false, 0, false, false, false);
        }
        return p;
    }

    interface Task {
        void run(ChunkParser parser, int chunk) throws IOException;
    }

    /** Runs {@code task} for chunks 0..count-1 on {@code threads} threads, each with its own parser. */
    private static void runParallel(int count, int threads, java.util.function.Supplier<ChunkParser> parsers, Task task)
            throws IOException {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            ChunkParser p = parsers.get();
            int k;
            while (failure.get() == null && (k = next.getAndIncrement()) < count) {
                try {
                    task.run(p, k);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        };
        List<Thread> started = new ArrayList<>();
        for (int t = 1; t < threads; t++) {
            started.add(Thread.ofPlatform().daemon().name("shm4j-csv-" + t).start(worker));
        }
        worker.run();
        for (Thread t : started) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure.compareAndSet(null, e);
            }
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error err) {
            throw err;
        }
        if (f != null) {
            throw new Shm4jException("CSV parsing interrupted: error=" + f, f);
        }
    }

    // ------------------------------------------------------------------ header

    private static List<String> header(FileChannel ch, long size, Path csv, long[] end) throws IOException {
        int n = (int) Math.min(size, 1 << 20);
        while (true) {
            ByteBuffer bb = ByteBuffer.allocate(n);
            while (bb.hasRemaining() && ch.read(bb, bb.position()) >= 0) {
                // fill
            }
            byte[] b = bb.array();
            int lim = bb.position();
            boolean eof = lim >= size;
            int p = 0;
            if (lim >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF) {
                p = 3; // byte order mark
            }
            List<String> fields = new ArrayList<>();
            java.io.ByteArrayOutputStream field = new java.io.ByteArrayOutputStream();
            boolean complete = false;
            int i = p;
            while (i < lim) {
                field.reset();
                if (b[i] == '"') {
                    i++;
                    boolean closed = false;
                    while (i < lim) {
                        if (b[i] == '"') {
                            if (i + 1 < lim && b[i + 1] == '"') {
                                field.write('"');
                                i += 2;
                                continue;
                            }
                            i++;
                            closed = true;
                            break;
                        }
                        field.write(b[i++]);
                    }
                    if (!closed) {
                        break;
                    }
                } else {
                    while (i < lim && b[i] != ',' && b[i] != '\n' && b[i] != '\r') {
                        field.write(b[i++]);
                    }
                }
                fields.add(field.toString(StandardCharsets.UTF_8));
                if (i >= lim) {
                    complete = eof;
                    break;
                }
                if (b[i] == ',') {
                    i++;
                    if (i >= lim && eof) {
                        fields.add("");
                        complete = true;
                        break;
                    }
                    continue;
                }
                if (b[i] == '\n' || b[i] == '\r') {
                    i += b[i] == '\r' && i + 1 < lim && b[i + 1] == '\n' ? 2 : 1;
                    complete = true;
                    break;
                }
                throw new FrameFormatException("unexpected character after a quoted CSV header field: path=" + csv
                        + ", char=" + (char) b[i]);
            }
            if (complete) {
                end[0] = i;
                return fields;
            }
            if (eof) {
                throw new FrameFormatException("unterminated quoted CSV header field: path=" + csv);
            }
            n = (int) Math.min(size, 2L * n);
        }
    }

    private static List<String> names(List<String> header) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < header.size(); i++) {
            String n = header.get(i).isEmpty() ? "Unnamed: " + i : header.get(i);
            String base = n;
            for (int k = 1; !seen.add(n); k++) {
                n = base + "." + k;
            }
            out.add(n);
        }
        return out;
    }
}
