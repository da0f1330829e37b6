package io.shm4j.frame;

import io.shm4j.frame.internal.ColumnSource;
import io.shm4j.segment.ShmOptions;
import io.shm4j.frame.internal.Zones;
import io.shm4j.frame.internal.csv.CsvReader;
import io.shm4j.frame.internal.csv.CsvTime;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneRules;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * CSV in and out of frames.
 *
 * <p>Reading: {@link CsvReader} (parallel chunks, one pass, pandas' type inference) hands its
 * columns to a {@link FrameBuilder}, which writes them straight into the segment.
 *
 * <p>Writing: rows are formatted in blocks, in parallel, straight from the column buffers into
 * byte buffers (no {@code java.time} formatting and no string per value), and written in order.
 * The text is what pandas reads back as the same values and types: {@code True}/{@code False},
 * dates as {@code 2024-01-31} and timestamps always with their time (so a date column reads back
 * as dates and a timestamp column as timestamps), null as an empty field (also for categories),
 * the empty string as {@code ""}, floats in the shortest form that reads back to the same double.
 *
 * <p>Conventions: RFC 4180 quoting, {@code \n} line ends. Stateless; thread-safe.
 */
final class FrameCsv {
    private static final int BLOCK_ROWS = 16_384;
    private static final byte[][] NA_TOKENS = Arrays.stream(new String[] {"#N/A", "#N/A N/A", "#NA", "-1.#IND",
        "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan",
        "null"}).map(s -> s.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);

    private FrameCsv() {}

    // ------------------------------------------------------------------ reading

    /** Parser threads: one per core. */
    static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Reads {@code csv} into a new frame. */
    static SharedFrame put(Path csv, ShmOptions options) {
        try (CsvReader r = CsvReader.read(csv, threads())) {
            FrameBuilder b = new FrameBuilder(r.rows());
            for (ColumnSource c : r.columns()) {
                b.addSource(c);
            }
            return b.build(options);
        }
    }

    // ------------------------------------------------------------------ writing

    /** Writes {@code f} as CSV to {@code out} (not closed). */
    static void write(FrameView f, OutputStream out) throws IOException {
        write(f, (bytes, n) -> out.write(bytes, 0, n));
    }

    /** Writes {@code f} as CSV to {@code out} (not closed). */
    static void write(FrameView f, java.io.Writer out) throws IOException {
        write(f, (bytes, n) -> out.write(new String(bytes, 0, n, StandardCharsets.UTF_8)));
    }

    private interface Sink {
        void accept(byte[] bytes, int length) throws IOException;
    }

    private static void write(FrameView f, Sink sink) throws IOException {
        List<Cells> cells = new ArrayList<>();
        List<String> header = new ArrayList<>();
        FrameIndex idx = f.index();
        if (idx.isRange()) {
            if (!(idx.name() == null && idx.start() == 0 && idx.step() == 1)) {
                header.add(idx.name() == null ? "" : idx.name());
                long start = idx.start();
                long step = idx.step();
                cells.add((r, out) -> out.integer(start + step * r));
            }
        } else {
            for (Column c : idx.columns()) {
                header.add(c.name().startsWith("__index_level_") ? "" : c.name());
                cells.add(cells(c));
            }
        }
        for (Column c : f.columns()) {
            header.add(c.name());
            cells.add(cells(c));
        }
        Buf head = new Buf(256);
        for (int i = 0; i < header.size(); i++) {
            if (i > 0) {
                head.put((byte) ',');
            }
            byte[] b = header.get(i).getBytes(StandardCharsets.UTF_8);
            head.text(MemorySegment.ofArray(b), false);
        }
        head.put((byte) '\n');
        sink.accept(head.bytes, head.len);
        long rows = f.rowCount();
        Cells[] cs = cells.toArray(Cells[]::new);
        int threads = (int) Math.min(threads(), Math.max(1, rows / BLOCK_ROWS));
        if (threads <= 1) {
            Buf b = new Buf(1 << 20);
            for (long from = 0; from < rows; from += BLOCK_ROWS) {
                b.len = 0;
                block(cs, from, Math.min(rows, from + BLOCK_ROWS), b);
                sink.accept(b.bytes, b.len);
            }
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> Thread.ofPlatform().daemon()
                .name("shm4j-csv-out").unstarted(r));
        try {
            ArrayDeque<Future<Buf>> window = new ArrayDeque<>();
            long from = 0;
            while (from < rows || !window.isEmpty()) {
                while (from < rows && window.size() < 2 * threads) {
                    long a = from;
                    long z = Math.min(rows, from + BLOCK_ROWS);
                    window.add(pool.submit(() -> {
                        Buf b = new Buf(1 << 20);
                        block(cs, a, z, b);
                        return b;
                    }));
                    from = z;
                }
                Buf b = window.poll().get();
                sink.accept(b.bytes, b.len);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing CSV", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("cannot format CSV: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void block(Cells[] cs, long from, long to, Buf b) {
        for (long r = from; r < to; r++) {
            for (int i = 0; i < cs.length; i++) {
                if (i > 0) {
                    b.put((byte) ',');
                }
                cs[i].write(r, b);
            }
            b.put((byte) '\n');
        }
    }

    /** Writes one column's field of a row. */
    private interface Cells {
        void write(long row, Buf out);
    }

    private static Cells cells(Column c) {
        return switch (c) {
            case DoubleColumn d -> d.field.type() == ColumnType.FLOAT32 ? (r, out) -> {
                if (!d.isNull(r)) {
                    out.float32((float) d.get(r));
                }
            } : (r, out) -> {
                if (!d.isNull(r)) {
                    out.float64(d.get(r));
                }
            };
            case LongColumn l when l.isUnsigned64() -> formatted(l);
            case LongColumn l -> (r, out) -> {
                if (!l.isNull(r)) {
                    out.integer(l.get(r));
                }
            };
            case IntColumn l -> (r, out) -> {
                if (!l.isNull(r)) {
                    out.integer(l.get(r));
                }
            };
            case BoolColumn b -> (r, out) -> {
                if (!b.isNull(r)) {
                    out.ascii(b.get(r) ? TRUE : FALSE);
                }
            };
            case TimestampColumn t -> timestamps(t);
            case StringColumn s -> strings(s);
            case DateColumn d -> (r, out) -> { // ISO dates by hand: pandas reads them back as the same text
                if (!d.isNull(r)) {
                    out.ensure(32);
                    out.len = CsvTime.writeDate(out.bytes, out.len, d.epochDay(r));
                }
            };
            // times, durations, decimals, binaries, lists, structs: their text form, as pyarrow writes it
            case TimeColumn t -> formatted(t);
            case DurationColumn d -> formatted(d);
            case DecimalColumn d -> formatted(d);
            case BinaryColumn b -> formatted(b);
            case ListColumn l -> formatted(l);
            case StructColumn st -> formatted(st);
        };
    }

    /** A column written through {@link Column#format}: empty for null, quoted when needed. */
    private static Cells formatted(Column c) {
        return (r, out) -> {
            if (!c.isNull(r)) {
                out.text(MemorySegment.ofArray(c.format(r).getBytes(StandardCharsets.UTF_8)), false);
            }
        };
    }

    private static final byte[] TRUE = "True".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "False".getBytes(StandardCharsets.US_ASCII);

    private static Cells timestamps(TimestampColumn t) {
        long perSecond = switch (t.unit()) {
            case SECONDS -> 1;
            case MILLISECONDS -> 1000;
            case MICROSECONDS -> 1_000_000;
            default -> 1_000_000_000;
        };
        long nanosPerUnit = 1_000_000_000 / perSecond;
        ZoneId zone = t.timeZone() == null ? null : Zones.of(t.timeZone());
        ZoneRules rules = zone == null ? null : zone.getRules();
        Integer fixed = rules != null && rules.isFixedOffset() ? rules.getOffset(Instant.EPOCH).getTotalSeconds() : null;
        return (r, out) -> {
            if (t.isNull(r)) {
                return;
            }
            long v = t.raw(r);
            long sec = Math.floorDiv(v, perSecond);
            int nanos = (int) (Math.floorMod(v, perSecond) * nanosPerUnit);
            int offset = 0;
            if (rules != null) {
                offset = fixed != null ? fixed : rules.getOffset(Instant.ofEpochSecond(sec)).getTotalSeconds();
            }
            long local = sec + offset;
            out.ensure(48);
            out.len = CsvTime.writeDate(out.bytes, out.len, Math.floorDiv(local, 86_400));
            out.bytes[out.len++] = ' ';
            out.len = CsvTime.writeTime(out.bytes, out.len, Math.floorMod(local, 86_400), nanos);
            if (rules != null) {
                out.len = CsvTime.writeOffset(out.bytes, out.len, offset);
            }
        };
    }

    private static Cells strings(StringColumn s) {
        return (r, out) -> {
            MemorySegment b = s.utf8(r); // null for null, also for a null category
            if (b != null) {
                out.text(b, true);
            }
        };
    }

    /** A growable byte buffer that formats values. */
    private static final class Buf {
        byte[] bytes;
        int len;

        Buf(int capacity) {
            bytes = new byte[capacity];
        }

        void ensure(int n) {
            if (len + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, len + n));
            }
        }

        void put(byte b) {
            ensure(1);
            bytes[len++] = b;
        }

        void ascii(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, bytes, len, b.length);
            len += b.length;
        }

        void integer(long v) {
            ensure(20);
            if (v == Long.MIN_VALUE) {
                ascii("-9223372036854775808".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            if (v < 0) {
                bytes[len++] = '-';
                v = -v;
            }
            int digits = digits(v);
            for (int i = len + digits - 1; i >= len; i--) {
                bytes[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            len += digits;
        }

        private static int digits(long v) {
            if (v < 100_000_000L) {
                if (v < 10_000) {
                    return v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4;
                }
                return v < 100_000 ? 5 : v < 1_000_000 ? 6 : v < 10_000_000 ? 7 : 8;
            }
            int d = 9;
            for (long x = v / 1_000_000_000L; x > 0; x /= 10) {
                d++;
            }
            return d;
        }

        private static final double[] POW10 = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

        /**
         * The shortest decimal (with at most 9 fraction digits) whose value, divided exactly, is
         * {@code d}: then reading it back gives {@code d}; else the JDK's shortest form.
         */
        void float64(double d) {
            if (Double.isNaN(d)) {
                return; // pandas writes NaN as an empty field
            }
            if (Double.isInfinite(d)) {
                ascii(d > 0 ? INF : NEG_INF);
                return;
            }
            double a = Math.abs(d);
            if (a < 1e15 && a >= 1e-5 || d == 0) {
                for (int k = 0; k < POW10.length; k++) {
                    double m = Math.rint(d * POW10[k]);
                    if (Math.abs(m) < 9.007199254740992E15 && m / POW10[k] == d) {
                        long digits = k == 0 ? 10 * (long) m : (long) m; // at least one fraction digit
                        decimal(digits, Math.max(k, 1), d < 0 || (d == 0 && 1 / d < 0));
                        return;
                    }
                }
            }
            ascii(Double.toString(d).getBytes(StandardCharsets.US_ASCII));
        }

        void float32(float f) {
            if (Float.isNaN(f)) {
                return;
            }
            ascii(Float.isInfinite(f) ? (f > 0 ? INF : NEG_INF) : Float.toString(f).getBytes(StandardCharsets.US_ASCII));
        }

        /** Writes {@code m / 10^k} with exactly {@code k} fraction digits. */
        private void decimal(long m, int k, boolean negative) {
            ensure(32);
            if (negative) {
                bytes[len++] = '-';
            }
            long u = Math.abs(m);
            int digits = Math.max(digits(u), k + 1);
            int end = len + digits + 1;
            int i = end - 1;
            for (int n = 0; n < digits; n++) {
                if (n == k) {
                    bytes[i--] = '.';
                }
                bytes[i--] = (byte) ('0' + u % 10);
                u /= 10;
            }
            len = end;
        }

        /** A text field: quoted when it must be (separators, quotes, empty, NA words). */
        void text(MemorySegment seg, boolean emptyIsQuoted) {
            int n = (int) seg.byteSize();
            if (n == 0) {
                if (emptyIsQuoted) {
                    ensure(2);
                    bytes[len++] = '"';
                    bytes[len++] = '"';
                }
                return;
            }
            ensure(2 * n + 2);
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, bytes, len, n);
            if (!needsQuotes(bytes, len, n)) {
                len += n;
                return;
            }
            byte[] raw = Arrays.copyOfRange(bytes, len, len + n);
            bytes[len++] = '"';
            for (byte c : raw) {
                if (c == '"') {
                    bytes[len++] = '"';
                }
                bytes[len++] = c;
            }
            bytes[len++] = '"';
        }

        private static boolean needsQuotes(byte[] b, int at, int n) {
            for (int i = at; i < at + n; i++) {
                byte c = b[i];
                if (c == ',' || c == '"' || c == '\n' || c == '\r') {
                    return true;
                }
            }
            if (n <= 8) {
                outer:
                for (byte[] t : NA_TOKENS) {
                    if (t.length == n) {
                        for (int i = 0; i < n; i++) {
                            if (b[at + i] != t[i]) {
                                continue outer;
                            }
                        }
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static final byte[] INF = "inf".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEG_INF = "-inf".getBytes(StandardCharsets.US_ASCII);
}
