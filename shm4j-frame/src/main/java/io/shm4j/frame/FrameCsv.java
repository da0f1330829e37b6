package io.shm4j.frame;

import io.shm4j.Shm4jException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * CSV in and out of frames. Reading makes two passes over the file (infer, then fill typed
 * arrays handed to the {@link FrameBuilder}); writing streams row by row.
 *
 * <p>Conventions: RFC 4180 quoting; an empty unquoted field is null, {@code ""} is the empty
 * string; timestamps are ISO 8601 ({@code 2024-01-31}, {@code 2024-01-31 12:00:00.5},
 * {@code 2024-01-31T12:00:00+01:00}); values with an offset become {@code timestamp[ns, tz]}
 * (the offset if all rows share it, else UTC). Stateless.
 */
final class FrameCsv {
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().optionalStart().appendLiteral(' ').optionalEnd().optionalStart().appendLiteral('T')
            .optionalEnd().appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
            .appendValue(ChronoField.MINUTE_OF_HOUR, 2).optionalStart().appendLiteral(':')
            .appendValue(ChronoField.SECOND_OF_MINUTE, 2).appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd().optionalStart().appendOffset("+HH:MM", "Z").optionalEnd().optionalEnd()
            .toFormatter(Locale.ROOT);

    private FrameCsv() {}

    // ------------------------------------------------------------------ writing

    static void write(FrameView f, Writer out) throws IOException {
        FrameIndex idx = f.index();
        boolean writeIndex = !(idx.isRange() && idx.name() == null && idx.start() == 0 && idx.step() == 1);
        List<Column> cols = f.columns();
        StringBuilder line = new StringBuilder();
        if (writeIndex) {
            field(line, idx.name() == null ? "" : idx.name(), false);
        }
        for (int i = 0; i < cols.size(); i++) {
            if (i > 0 || writeIndex) {
                line.append(',');
            }
            field(line, cols.get(i).name(), false);
        }
        out.append(line).append('\n');
        for (long r = 0; r < f.rowCount(); r++) {
            line.setLength(0);
            if (writeIndex) {
                field(line, idx.format(r), false);
            }
            for (int i = 0; i < cols.size(); i++) {
                if (i > 0 || writeIndex) {
                    line.append(',');
                }
                Column c = cols.get(i);
                if (!c.isNull(r)) {
                    field(line, c.format(r), c instanceof StringColumn);
                }
            }
            out.append(line).append('\n');
        }
    }

    private static void field(StringBuilder b, String v, boolean isString) {
        boolean quote = (isString && v.isEmpty()) || v.indexOf(',') >= 0 || v.indexOf('"') >= 0
                || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0;
        if (!quote) {
            b.append(v);
            return;
        }
        b.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"') {
                b.append('"');
            }
            b.append(c);
        }
        b.append('"');
    }

    // ------------------------------------------------------------------ reading

    /** One field: its text and whether it was quoted. */
    private record Cell(String text, boolean quoted) {
        boolean isNull() {
            return !quoted && text.isEmpty();
        }
    }

    /** What a column can still be, narrowed row by row. */
    private static final class Inference {
        boolean isLong = true;
        boolean isDouble = true;
        boolean isBool = true;
        boolean isTimestamp = true;
        boolean anyValue;
        boolean naive;
        Set<Integer> offsets = new HashSet<>();

        void see(Cell c) {
            if (c.isNull()) {
                return;
            }
            if (c.quoted && c.text.isEmpty()) {
                isLong = isDouble = isBool = isTimestamp = false;
            }
            anyValue = true;
            String t = c.text;
            if (isLong && parseLong(t) == null) {
                isLong = false;
            }
            if (isDouble && !isLong && parseDouble(t) == null) {
                isDouble = false;
            }
            if (isBool && parseBool(t) == null) {
                isBool = false;
            }
            if (isTimestamp) {
                TemporalAccessor ta = parseTimestamp(t);
                if (ta == null) {
                    isTimestamp = false;
                } else if (ta.isSupported(ChronoField.OFFSET_SECONDS)) {
                    offsets.add(ta.get(ChronoField.OFFSET_SECONDS));
                } else {
                    naive = true;
                }
                if (naive && !offsets.isEmpty()) {
                    isTimestamp = false;
                }
            }
        }

        ColumnType type() {
            if (!anyValue) {
                return ColumnType.FLOAT64;
            }
            if (isLong) {
                return ColumnType.INT64;
            }
            if (isDouble) {
                return ColumnType.FLOAT64;
            }
            if (isBool) {
                return ColumnType.BOOL;
            }
            if (isTimestamp) {
                return ColumnType.TIMESTAMP;
            }
            return ColumnType.STRING;
        }

        String zone() {
            if (offsets.isEmpty()) {
                return null;
            }
            if (offsets.size() == 1) {
                int s = offsets.iterator().next();
                return s == 0 ? "UTC" : ZoneOffset.ofTotalSeconds(s).getId();
            }
            return "UTC";
        }
    }

    static FrameBuilder read(Path csv) {
        List<String> header;
        List<Inference> inf = new ArrayList<>();
        long rows = 0;
        try (Tokenizer t = new Tokenizer(Files.newBufferedReader(csv, StandardCharsets.UTF_8), csv)) {
            List<Cell> h = t.next();
            if (h == null) {
                throw new FrameFormatException("empty CSV file: path=" + csv + "; a header row is needed");
            }
            header = names(h);
            for (int i = 0; i < header.size(); i++) {
                inf.add(new Inference());
            }
            List<Cell> rec;
            while ((rec = t.next()) != null) {
                if (rec.size() == 1 && rec.get(0).isNull() && header.size() > 1) {
                    continue; // blank line
                }
                checkWidth(csv, rows, rec, header);
                for (int i = 0; i < rec.size(); i++) {
                    inf.get(i).see(rec.get(i));
                }
                rows++;
            }
        } catch (IOException e) {
            throw new Shm4jException("cannot read CSV: path=" + csv + ", error=" + e.getMessage(), e);
        }
        if (rows > Integer.MAX_VALUE - 8) {
            throw new FrameFormatException("CSV too long to import: rows=" + rows + ", limit=" + (Integer.MAX_VALUE - 8));
        }
        int n = (int) rows;
        int w = header.size();
        ColumnType[] types = new ColumnType[w];
        Object[] arrays = new Object[w];
        java.util.BitSet[] nulls = new java.util.BitSet[w];
        for (int i = 0; i < w; i++) {
            types[i] = inf.get(i).type();
            nulls[i] = new java.util.BitSet();
            arrays[i] = switch (types[i]) {
                case INT64, TIMESTAMP -> new long[n];
                case FLOAT64 -> new double[n];
                case BOOL -> new boolean[n];
                default -> new String[n];
            };
        }
        try (Tokenizer t = new Tokenizer(Files.newBufferedReader(csv, StandardCharsets.UTF_8), csv)) {
            t.next();
            List<Cell> rec;
            int r = 0;
            while ((rec = t.next()) != null && r < n) {
                if (rec.size() == 1 && rec.get(0).isNull() && w > 1) {
                    continue;
                }
                for (int i = 0; i < w; i++) {
                    Cell c = i < rec.size() ? rec.get(i) : new Cell("", false);
                    if (c.isNull()) {
                        nulls[i].set(r);
                        if (types[i] == ColumnType.FLOAT64) {
                            ((double[]) arrays[i])[r] = Double.NaN;
                        }
                        continue;
                    }
                    switch (types[i]) {
                        case INT64 -> ((long[]) arrays[i])[r] = parseLong(c.text);
                        case FLOAT64 -> ((double[]) arrays[i])[r] = parseDouble(c.text);
                        case BOOL -> ((boolean[]) arrays[i])[r] = parseBool(c.text);
                        case TIMESTAMP -> ((long[]) arrays[i])[r] = epochNanos(parseTimestamp(c.text));
                        default -> ((String[]) arrays[i])[r] = c.text;
                    }
                }
                r++;
            }
        } catch (IOException e) {
            throw new Shm4jException("cannot read CSV: path=" + csv + ", error=" + e.getMessage(), e);
        }
        FrameBuilder b = new FrameBuilder(n);
        for (int i = 0; i < w; i++) {
            java.util.BitSet nb = nulls[i];
            java.util.function.LongPredicate isNull = nb.isEmpty() ? null : r -> nb.get((int) r);
            String name = header.get(i);
            switch (types[i]) {
                case INT64 -> b.addLongs(name, (long[]) arrays[i], isNull);
                case FLOAT64 -> b.addDoubles(name, (double[]) arrays[i], isNull);
                case BOOL -> b.addBooleans(name, (boolean[]) arrays[i], isNull);
                case TIMESTAMP -> {
                    String zone = inf.get(i).zone();
                    b.addTimestamps(name, zone == null ? null : java.time.ZoneId.of(zone), (long[]) arrays[i], isNull);
                }
                default -> b.addStrings(name, (String[]) arrays[i]);
            }
        }
        return b;
    }

    private static void checkWidth(Path csv, long row, List<Cell> rec, List<String> header) {
        if (rec.size() > header.size()) {
            throw new FrameFormatException("CSV row has more fields than the header: path=" + csv + ", row=" + (row + 1)
                    + ", fields=" + rec.size() + ", header=" + header.size());
        }
    }

    private static List<String> names(List<Cell> header) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < header.size(); i++) {
            String n = header.get(i).text.isEmpty() ? "Unnamed: " + i : header.get(i).text;
            String base = n;
            for (int k = 1; !seen.add(n); k++) {
                n = base + "." + k;
            }
            out.add(n);
        }
        return out;
    }

    static Long parseLong(String s) {
        int n = s.length();
        if (n == 0 || n > 20) {
            return null;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(i == 0 && (c == '-' || c == '+') && n > 1)) {
                return null;
            }
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Double parseDouble(String s) {
        if (s.isEmpty()) {
            return null;
        }
        char c = s.charAt(0);
        if (!(c >= '0' && c <= '9') && c != '-' && c != '+' && c != '.' && c != 'N' && c != 'I' && c != 'i'
                && c != 'n') {
            return null;
        }
        switch (s) {
            case "NaN", "nan" -> {
                return Double.NaN;
            }
            case "inf", "Infinity", "+inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-Infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> {
                // fall through to parseDouble
            }
        }
        for (int i = 0; i < s.length(); i++) {
            char d = s.charAt(i);
            if ("0123456789+-.eE".indexOf(d) < 0) {
                return null;
            }
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Boolean parseBool(String s) {
        if (s.equalsIgnoreCase("true")) {
            return Boolean.TRUE;
        }
        if (s.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        return null;
    }

    static TemporalAccessor parseTimestamp(String s) {
        if (s.length() < 10 || s.charAt(4) != '-' || s.charAt(7) != '-') {
            return null;
        }
        try {
            return TIMESTAMP.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static long epochNanos(TemporalAccessor t) {
        LocalDateTime ldt = t.isSupported(ChronoField.HOUR_OF_DAY)
                ? LocalDateTime.of(java.time.LocalDate.from(t), java.time.LocalTime.from(t))
                : java.time.LocalDate.from(t).atStartOfDay();
        int offset = t.isSupported(ChronoField.OFFSET_SECONDS) ? t.get(ChronoField.OFFSET_SECONDS) : 0;
        java.time.Instant i = ldt.toInstant(ZoneOffset.ofTotalSeconds(offset));
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000_000L), i.getNano());
    }

    /** RFC 4180 records from a reader. */
    private static final class Tokenizer implements AutoCloseable {
        private final Reader in;
        private final Path path;
        private int peeked = -2;
        private long line = 1;

        Tokenizer(BufferedReader in, Path path) {
            this.in = in;
            this.path = path;
        }

        private int read() throws IOException {
            if (peeked != -2) {
                int c = peeked;
                peeked = -2;
                return c;
            }
            return in.read();
        }

        /** The next record, or null at the end. */
        List<Cell> next() throws IOException {
            int c = read();
            if (c == -1) {
                return null;
            }
            if (c == '\uFEFF' && line == 1) {
                c = read(); // byte order mark
            }
            List<Cell> rec = new ArrayList<>();
            StringBuilder b = new StringBuilder();
            while (true) {
                boolean quoted = false;
                b.setLength(0);
                if (c == '"') {
                    quoted = true;
                    while (true) {
                        c = read();
                        if (c == -1) {
                            throw new FrameFormatException("unterminated quoted CSV field: path=" + path + ", line=" + line);
                        }
                        if (c == '"') {
                            c = read();
                            if (c == '"') {
                                b.append('"');
                                continue;
                            }
                            break;
                        }
                        if (c == '\n') {
                            line++;
                        }
                        b.append((char) c);
                    }
                } else {
                    while (c != ',' && c != '\n' && c != '\r' && c != -1) {
                        b.append((char) c);
                        c = read();
                    }
                }
                rec.add(new Cell(b.toString(), quoted));
                if (c == ',') {
                    c = read();
                    continue;
                }
                if (c == '\r') {
                    int d = read();
                    if (d != '\n') {
                        peeked = d;
                    }
                }
                if (c != -1 && c != ',' && c != '\n' && c != '\r') {
                    throw new FrameFormatException("unexpected character after a quoted CSV field: path=" + path
                            + ", line=" + line + ", char=" + (char) c);
                }
                line++;
                return rec;
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
