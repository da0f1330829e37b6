package io.shm4j.frame.internal.csv;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Parses the records of one chunk of a CSV file — bytes read once into a reused buffer — into
 * per-column primitive arrays (no object per value), then copies them to native scratch memory
 * as {@link ColumnPart}s. A record is tokenized first (field bounds only), then converted by
 * column: the row sits in L1 while it is typed.
 *
 * <p>Typing: each column starts from a kind (the sample's guess). A value that contradicts it
 * widens the column in place when the stored values can be converted (int64 → float64, date →
 * timestamp, ns → us, nothing-yet → anything); a value only a string can hold restarts the
 * chunk with that column as strings (the chunk's bytes are still in the buffer).
 *
 * <p>Not thread-safe: one per thread, reused chunk after chunk; heap use is bounded by the
 * chunk size, not the file size.
 */
final class ChunkParser {
    /** A format error, with the chunk-relative row; turned into a {@code FrameFormatException} by the reader. */
    static final class CsvError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int row;

        CsvError(int row, String message) {
            super(message, null, false, false);
            this.row = row;
        }
    }

    private static final int DONE = 0;
    private static final int MORE = 1;
    private static final int RESTART = 2;
    private static final int TAIL = 64 * 1024;

    private static final byte[][] NA_TOKENS = {
        bytes("#N/A"), bytes("#N/A N/A"), bytes("#NA"), bytes("-1.#IND"), bytes("-1.#QNAN"), bytes("-NaN"),
        bytes("-nan"), bytes("1.#IND"), bytes("1.#QNAN"), bytes("<NA>"), bytes("N/A"), bytes("NA"), bytes("NULL"),
        bytes("NaN"), bytes("None"), bytes("n/a"), bytes("nan"), bytes("null")};

    private static final byte[] TRUE_1 = bytes("True");
    private static final byte[] TRUE_2 = bytes("TRUE");
    private static final byte[] TRUE_3 = bytes("true");
    private static final byte[] FALSE_1 = bytes("False");
    private static final byte[] FALSE_2 = bytes("FALSE");
    private static final byte[] FALSE_3 = bytes("false");

    private final int width;
    private final FileChannel channel;
    private final long fileSize;
    private final CsvNumbers num = new CsvNumbers();
    private final CsvTime time = new CsvTime();

    // the bytes: buf[0] is the file's byte at base
    private byte[] buf;
    private long base;
    private int lim;
    private boolean eof;

    // one tokenized record
    private final int[] fs;
    private final int[] fe;
    private final byte[] fq; // 0 plain, 1 quoted, 2 quoted with "" escapes
    private int nf;

    // columns of the chunk
    private final byte[] kind;
    private final long[][] lv;
    private final double[][] dv;
    private final long[][] valid;
    private final int[][] offs;
    private final byte[][] data;
    private final int[] dataLen;
    private final int[] nulls;
    private final boolean[] naive;
    private final boolean[] withOffset;
    private final boolean[] mixed;
    private final int[] offset0;
    private final boolean[] datesOut;
    private int rows;
    private int cap;
    private int usedRows;

    private int status;
    private int pos;
    private int restartColumn;

    ChunkParser(int width, FileChannel channel, long fileSize, int bufferBytes) {
        this.width = width;
        this.channel = channel;
        this.fileSize = fileSize;
        this.buf = new byte[Math.max(1024, bufferBytes)];
        fs = new int[width + 1];
        fe = new int[width + 1];
        fq = new byte[width + 1];
        kind = new byte[width];
        lv = new long[width][];
        dv = new double[width][];
        valid = new long[width][];
        offs = new int[width][];
        data = new byte[width][];
        dataLen = new int[width];
        nulls = new int[width];
        naive = new boolean[width];
        withOffset = new boolean[width];
        mixed = new boolean[width];
        offset0 = new int[width];
        datesOut = new boolean[width];
        cap = 1024;
        for (int c = 0; c < width; c++) {
            valid[c] = new long[(cap >>> 6) + 1];
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    // ------------------------------------------------------------------ bytes

    private void load(long from, long wanted) throws IOException {
        base = from;
        int n = (int) Math.min(wanted, fileSize - from);
        if (buf.length < n) {
            buf = new byte[n];
        }
        lim = 0;
        fill(n);
    }

    /** Reads more bytes after the loaded ones; false at the end of the file. */
    private boolean extend() throws IOException {
        if (eof) {
            return false;
        }
        int more = (int) Math.min(Math.max(TAIL, lim / 2), fileSize - base - lim);
        if (lim + more > buf.length) {
            buf = Arrays.copyOf(buf, lim + more);
        }
        fill(more);
        return true;
    }

    private void fill(int n) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, lim, n);
        long at = base + lim;
        while (bb.hasRemaining()) {
            int r = channel.read(bb, at);
            if (r < 0) {
                break;
            }
            at += r;
        }
        lim = bb.position();
        eof = base + lim >= fileSize;
    }

    // ------------------------------------------------------------------ a chunk

    /**
     * Parses the records that start in {@code [start, stop)} of the file.
     *
     * @param findStart whether {@code start} is a guess: the first record is taken to start after
     *     the first newline at or after {@code start - 1} (checked later by the reader)
     * @param kinds0 the starting kind per column (widened in place by restarts)
     * @return the chunk; {@code start} is where its first record began ({@code -1} when none was
     *     found before {@code stop}), {@code end} where the next one begins
     */
    ChunkResult parse(long start, boolean findStart, long stop, byte[] kinds0, Arena scratch) throws IOException {
        long from = findStart ? start - 1 : start;
        load(from, stop - from + TAIL);
        int p = 0;
        if (findStart) {
            while (true) {
                while (p < lim && buf[p] != '\n') {
                    p++;
                }
                if (p < lim || base + lim >= stop || !extend()) {
                    break;
                }
            }
            if (p >= lim || base + p + 1 >= stop) {
                return ChunkResult.none();
            }
            p++;
        }
        long recordStart = base + p;
        int stopRel = (int) Math.min(Integer.MAX_VALUE, stop - base);
        byte[] kinds = kinds0.clone();
        int first = p;
        try {
            reset(kinds);
            while (true) {
                run(p, stopRel);
                if (status == MORE) {
                    p = pos;
                    if (!extend()) {
                        throw new IllegalStateException("no more bytes although the file did not end");
                    }
                } else if (status == RESTART) {
                    kinds[restartColumn] = Kind.STRING;
                    reset(kinds);
                    p = first;
                } else {
                    break;
                }
            }
        } catch (CsvError e) {
            return ChunkResult.failed(recordStart, e);
        }
        return new ChunkResult(recordStart, base + pos, rows, scratch == null ? null : parts(scratch), null);
    }

    /** The kinds the last parse ended with. */
    byte[] kinds() {
        return kind.clone();
    }

    private void reset(byte[] kinds) {
        for (int c = 0; c < width; c++) {
            Arrays.fill(valid[c], 0, Math.min(valid[c].length, (usedRows >>> 6) + 1), 0L);
            kind[c] = kinds[c];
            nulls[c] = 0;
            dataLen[c] = 0;
            naive[c] = false;
            withOffset[c] = false;
            mixed[c] = false;
            offset0[c] = 0;
            datesOut[c] = false;
            storage(c);
        }
        rows = 0;
        usedRows = 0;
    }

    /** Makes sure the arrays that the column's kind writes exist with the capacity. */
    private void storage(int c) {
        switch (kind[c]) {
            case Kind.FLOAT -> {
                if (dv[c] == null || dv[c].length < cap) {
                    dv[c] = new double[cap];
                }
            }
            case Kind.STRING -> {
                if (offs[c] == null || offs[c].length < cap + 1) {
                    offs[c] = new int[cap + 1];
                }
                if (data[c] == null) {
                    data[c] = new byte[4096];
                }
                offs[c][0] = 0;
            }
            case Kind.NULL -> {
                // nothing stored
            }
            default -> {
                if (lv[c] == null || lv[c].length < cap) {
                    lv[c] = new long[cap];
                }
            }
        }
    }

    private void grow() {
        int n = cap * 2;
        for (int c = 0; c < width; c++) {
            if (lv[c] != null && lv[c].length < n) {
                lv[c] = Arrays.copyOf(lv[c], n);
            }
            if (dv[c] != null && dv[c].length < n) {
                dv[c] = Arrays.copyOf(dv[c], n);
            }
            if (offs[c] != null && offs[c].length < n + 1) {
                offs[c] = Arrays.copyOf(offs[c], n + 1);
            }
            if (valid[c].length < (n >>> 6) + 1) {
                valid[c] = Arrays.copyOf(valid[c], (n >>> 6) + 1);
            }
        }
        cap = n;
    }

    // ------------------------------------------------------------------ records

    private void run(int p, int stop) {
        while (true) {
            if (p >= stop || (p >= lim && eof)) {
                status = DONE;
                pos = p;
                return;
            }
            if (p >= lim) {
                status = MORE;
                pos = p;
                return;
            }
            int next = tokenize(p);
            if (next < 0) {
                status = MORE;
                pos = p;
                return;
            }
            if (nf == 1 && fq[0] == 0 && blank(fs[0], fe[0])) {
                p = next; // blank line: skipped, as pandas does
                continue;
            }
            if (nf > width) {
                throw new CsvError(rows, "CSV row has more fields than the header: fields=" + nf + ", header="
                        + width);
            }
            if (rows == cap) {
                grow();
            }
            if (!convert()) {
                status = RESTART;
                return;
            }
            rows++;
            usedRows = rows;
            p = next;
        }
    }

    private boolean blank(int s, int e) {
        for (int i = s; i < e; i++) {
            if (buf[i] != ' ' && buf[i] != '\t') {
                return false;
            }
        }
        return true;
    }

    /** Finds the fields of the record at {@code p}; returns where the next begins, or -1 if the bytes end first. */
    private int tokenize(int p) {
        final byte[] b = buf;
        final int lim = this.lim;
        final int max = width + 1;
        int n = 0;
        while (true) {
            if (p < lim && b[p] == '"') {
                int q = p + 1;
                byte flag = 1;
                while (true) {
                    if (q >= lim) {
                        if (eof) {
                            throw new CsvError(rows, "unterminated quoted CSV field");
                        }
                        return -1;
                    }
                    if (b[q] == '"') {
                        if (q + 1 < lim && b[q + 1] == '"') {
                            flag = 2;
                            q += 2;
                            continue;
                        }
                        if (q + 1 >= lim && !eof) {
                            return -1;
                        }
                        break;
                    }
                    q++;
                }
                if (n < max) {
                    fs[n] = p + 1;
                    fe[n] = q;
                    fq[n] = flag;
                }
                n++;
                p = q + 1;
                if (p >= lim) {
                    nf = n;
                    return p; // eof (checked above)
                }
                byte c = b[p];
                if (c == ',') {
                    p++;
                    continue;
                }
                if (c == '\n') {
                    nf = n;
                    return p + 1;
                }
                if (c == '\r') {
                    return crlf(p, n);
                }
                throw new CsvError(rows, "unexpected character after a quoted CSV field: char=" + (char) c);
            }
            int q = p;
            while (q < lim) {
                byte c = b[q];
                if (c == ',' || c == '\n' || c == '\r') {
                    break;
                }
                q++;
            }
            if (n < max) {
                fs[n] = p;
                fe[n] = q;
                fq[n] = 0;
            }
            n++;
            if (q >= lim) {
                if (!eof) {
                    return -1;
                }
                nf = n;
                return q;
            }
            byte c = b[q];
            if (c == ',') {
                p = q + 1;
                continue;
            }
            if (c == '\n') {
                nf = n;
                return q + 1;
            }
            return crlf(q, n);
        }
    }

    private int crlf(int q, int n) {
        nf = n;
        if (q + 1 < lim) {
            return buf[q + 1] == '\n' ? q + 2 : q + 1;
        }
        return eof ? q + 1 : -1;
    }

    // ------------------------------------------------------------------ values

    private boolean convert() {
        final int r = rows;
        final int n = Math.min(nf, width);
        for (int c = 0; c < width; c++) {
            if (c >= n) {
                setNull(c, r);
                continue;
            }
            int s = fs[c];
            int e = fe[c];
            byte q = fq[c];
            byte k = kind[c];
            // empty, quoted or not, and NA words, quoted or not: null, as pandas reads them
            if (e == s || (e - s <= 8 && isNa(s, e))) {
                setNull(c, r);
                continue;
            }
            if (!value(c, k, s, e, q, r)) {
                return false;
            }
        }
        return true;
    }

    private boolean isNa(int s, int e) {
        byte f = buf[s];
        if (f != 'N' && f != 'n' && f != '#' && f != '-' && f != '1' && f != '<') {
            return false;
        }
        int len = e - s;
        outer:
        for (byte[] t : NA_TOKENS) {
            if (t.length != len) {
                continue;
            }
            for (int i = 0; i < len; i++) {
                if (buf[s + i] != t[i]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private void setNull(int c, int r) {
        nulls[c]++;
        switch (kind[c]) {
            case Kind.FLOAT -> dv[c][r] = Double.NaN;
            case Kind.STRING -> offs[c][r + 1] = dataLen[c];
            case Kind.NULL -> {
                // nothing stored yet
            }
            default -> lv[c][r] = 0;
        }
    }

    private boolean value(int c, byte k, int s, int e, byte q, int r) {
        final byte[] b = buf;
        switch (k) {
            case Kind.INT -> {
                int st = num.parseLong(b, s, e);
                if (st == CsvNumbers.OK) {
                    lv[c][r] = num.longValue;
                    break;
                }
                if (st == CsvNumbers.NOT && num.parseDouble(b, s, e) == CsvNumbers.OK) {
                    toFloat(c, r);
                    dv[c][r] = num.doubleValue;
                    break;
                }
                return restart(c);
            }
            case Kind.FLOAT -> {
                if (num.parseDouble(b, s, e) != CsvNumbers.OK) {
                    return restart(c);
                }
                dv[c][r] = num.doubleValue;
            }
            case Kind.BOOL -> {
                int v = bool(s, e);
                if (v < 0) {
                    return restart(c);
                }
                lv[c][r] = v;
            }
            case Kind.DATE, Kind.TS, Kind.TSU -> {
                if (!timestamp(c, k, s, e, r)) {
                    return restart(c);
                }
            }
            case Kind.STRING -> {
                appendString(c, s, e, q, r);
                valid[c][r >>> 6] |= 1L << r;
                return true;
            }
            default -> {
                byte nk = classify(s, e);
                kind[c] = nk;
                storage(c);
                switch (nk) {
                    case Kind.FLOAT -> Arrays.fill(dv[c], 0, r, Double.NaN);
                    case Kind.STRING -> Arrays.fill(offs[c], 0, r + 1, 0);
                    default -> Arrays.fill(lv[c], 0, r, 0L);
                }
                return value(c, nk, s, e, q, r);
            }
        }
        valid[c][r >>> 6] |= 1L << r;
        return true;
    }

    private boolean restart(int c) {
        restartColumn = c;
        return false;
    }

    private byte classify(int s, int e) {
        int st = num.parseLong(buf, s, e);
        if (st == CsvNumbers.OK) {
            return Kind.INT;
        }
        if (st == CsvNumbers.OVERFLOW) {
            return Kind.STRING; // beyond int64: kept as text, nothing lost
        }
        if (num.parseDouble(buf, s, e) == CsvNumbers.OK) {
            return Kind.FLOAT;
        }
        if (bool(s, e) >= 0) {
            return Kind.BOOL;
        }
        return switch (time.parse(buf, s, e)) {
            case CsvTime.DATE -> Kind.DATE;
            case CsvTime.DATETIME -> Kind.TS;
            default -> Kind.STRING;
        };
    }

    /** 1 for True/TRUE/true, 0 for False/FALSE/false (pandas' defaults), else -1. */
    private int bool(int s, int e) {
        int len = e - s;
        if (len == 4 && (is(s, TRUE_1) || is(s, TRUE_2) || is(s, TRUE_3))) {
            return 1;
        }
        if (len == 5 && (is(s, FALSE_1) || is(s, FALSE_2) || is(s, FALSE_3))) {
            return 0;
        }
        return -1;
    }

    private boolean is(int s, byte[] word) {
        for (int i = 0; i < word.length; i++) {
            if (buf[s + i] != word[i]) {
                return false;
            }
        }
        return true;
    }

    private void toFloat(int c, int r) {
        kind[c] = Kind.FLOAT;
        storage(c);
        long[] l = lv[c];
        double[] d = dv[c];
        long[] v = valid[c];
        for (int i = 0; i < r; i++) {
            d[i] = ((v[i >>> 6] >>> i) & 1) != 0 ? (double) l[i] : Double.NaN;
        }
    }

    private boolean timestamp(int c, byte k, int s, int e, int r) {
        int t = time.parse(buf, s, e);
        if (t == CsvTime.FAIL) {
            return false;
        }
        if (t == CsvTime.DATE) {
            long days = time.days;
            boolean fits = days >= CsvTime.MIN_NS_DAY && days <= CsvTime.MAX_NS_DAY;
            if (k == Kind.DATE) {
                lv[c][r] = days;
                datesOut[c] |= !fits;
                return true;
            }
            if (withOffset[c]) {
                return false; // a naive date among timestamps with offsets: text
            }
            naive[c] = true;
            if (k == Kind.TS && !fits) {
                toMicros(c, r, s, e);
                k = Kind.TSU;
            }
            lv[c][r] = k == Kind.TS ? days * CsvTime.NANOS_PER_DAY : days * 86_400_000_000L;
            return true;
        }
        if (time.hasOffset) {
            if (naive[c] || k == Kind.DATE) {
                return false;
            }
            if (!withOffset[c]) {
                withOffset[c] = true;
                offset0[c] = time.offsetSeconds;
            } else if (offset0[c] != time.offsetSeconds) {
                mixed[c] = true;
            }
        } else {
            if (withOffset[c]) {
                return false;
            }
            naive[c] = true;
        }
        if (k == Kind.DATE) {
            k = datesOut[c] ? Kind.TSU : Kind.TS;
            long f = k == Kind.TS ? CsvTime.NANOS_PER_DAY : 86_400_000_000L;
            long[] l = lv[c];
            for (int i = 0; i < r; i++) {
                l[i] *= f;
            }
            kind[c] = k;
            naive[c] = true;
        }
        if (k == Kind.TS && !time.fitsNanos()) {
            toMicros(c, r, s, e);
            k = Kind.TSU;
        }
        if (k == Kind.TS) {
            lv[c][r] = time.epochNanos();
        } else {
            if (time.subMicros) {
                throw new CsvError(r, "timestamp needs nanoseconds but its column holds dates outside 1677-2262: value="
                        + text(s, e) + "; store such values as text or round them to microseconds");
            }
            lv[c][r] = time.epochMicros();
        }
        return true;
    }

    /** Turns the column's nanoseconds into microseconds (a value outside 1677–2262 came). */
    private void toMicros(int c, int r, int s, int e) {
        long[] l = lv[c];
        long[] v = valid[c];
        for (int i = 0; i < r; i++) {
            if (((v[i >>> 6] >>> i) & 1) != 0) {
                if (l[i] % 1000 != 0) {
                    throw new CsvError(r, "timestamp outside 1677-2262 in a column that holds nanoseconds: value="
                            + text(s, e) + "; store such values as text or round the column to microseconds");
                }
                l[i] /= 1000;
            }
        }
        kind[c] = Kind.TSU;
    }

    private String text(int s, int e) {
        return new String(buf, s, e - s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void appendString(int c, int s, int e, byte q, int r) {
        int len = e - s;
        int at = dataLen[c];
        byte[] d = data[c];
        if (at + len > d.length) {
            d = data[c] = Arrays.copyOf(d, Math.max(d.length * 2, at + len));
        }
        if (q == 2) {
            for (int i = s; i < e; i++) {
                byte x = buf[i];
                d[at++] = x;
                if (x == '"') {
                    i++; // "" → "
                }
            }
        } else {
            System.arraycopy(buf, s, d, at, len);
            at += len;
        }
        dataLen[c] = at;
        offs[c][r + 1] = at;
    }

    // ------------------------------------------------------------------ output

    private ColumnPart[] parts(Arena scratch) {
        ColumnPart[] out = new ColumnPart[width];
        int n = rows;
        for (int c = 0; c < width; c++) {
            byte k = kind[c];
            MemorySegment values = null;
            MemorySegment offsets = null;
            switch (k) {
                case Kind.NULL -> {
                    // all null
                }
                // allocateFrom: allocated and copied without zero-filling first (Arena.allocate zero-fills
                // in a Java loop: it was the reader's largest cost, page faults included)
                case Kind.FLOAT -> values = scratch.allocateFrom(ValueLayout.JAVA_DOUBLE, MemorySegment.ofArray(dv[c]),
                        ValueLayout.JAVA_DOUBLE, 0, n);
                case Kind.STRING -> {
                    offsets = scratch.allocateFrom(ValueLayout.JAVA_INT, MemorySegment.ofArray(offs[c]),
                            ValueLayout.JAVA_INT, 0, n + 1);
                    values = scratch.allocateFrom(ValueLayout.JAVA_BYTE, MemorySegment.ofArray(data[c]),
                            ValueLayout.JAVA_BYTE, 0, dataLen[c]);
                }
                case Kind.BOOL -> {
                    values = scratch.allocate((n + 7) >>> 3, 8);
                    long[] l = lv[c];
                    for (int i = 0; i < n; i += 8) {
                        int bits = 0;
                        for (int j = 0; j < 8 && i + j < n; j++) {
                            bits |= (int) (l[i + j] & 1) << j;
                        }
                        values.set(ValueLayout.JAVA_BYTE, i >>> 3, (byte) bits);
                    }
                }
                default -> values = scratch.allocateFrom(ValueLayout.JAVA_LONG, MemorySegment.ofArray(lv[c]),
                        ValueLayout.JAVA_LONG, 0, n);
            }
            MemorySegment validity = null;
            if (nulls[c] > 0 && k != Kind.NULL) {
                validity = scratch.allocateFrom(ValueLayout.JAVA_BYTE, MemorySegment.ofArray(valid[c]),
                        ValueLayout.JAVA_BYTE, 0, (n + 7) >>> 3);
            }
            out[c] = new ColumnPart(k, n, k == Kind.NULL ? n : nulls[c], values, offsets, validity, naive[c],
                    offset0[c], withOffset[c], mixed[c], datesOut[c]);
        }
        return out;
    }
}
