package io.shm4j.frame.internal.csv;

import java.time.LocalDate;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;

/**
 * Dates and timestamps as CSV text, without {@code java.time} on the common path: ISO 8601
 * {@code YYYY-MM-DD}, optionally followed by {@code T} or a space, {@code HH:MM[:SS[.f…]]} and
 * an offset ({@code Z}, {@code ±HH:MM}, {@code ±HHMM}, {@code ±HH}) are parsed by hand; other
 * forms that start with a date go to a {@code java.time} formatter (the fallback). Civil-date
 * arithmetic after Howard Hinnant's {@code days_from_civil}. Not thread-safe (one per thread):
 * results are left in fields so that no object is made per value.
 */
public final class CsvTime {
    /** Not a date or timestamp. */
    public static final int FAIL = 0;
    /** A date without a time. */
    public static final int DATE = 1;
    /** A date and a time. */
    public static final int DATETIME = 2;

    /** Nanoseconds per day. */
    public static final long NANOS_PER_DAY = 86_400_000_000_000L;
    /** The first and last day whose midnight is representable in int64 nanoseconds (1677–2262). */
    public static final long MIN_NS_DAY = Math.floorDiv(Long.MIN_VALUE, NANOS_PER_DAY) + 1;
    /** See {@link #MIN_NS_DAY}. */
    public static final long MAX_NS_DAY = Long.MAX_VALUE / NANOS_PER_DAY - 1;

    private static final DateTimeFormatter FALLBACK = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().optionalStart().appendLiteral(' ').optionalEnd().optionalStart().appendLiteral('T')
            .optionalEnd().appendValue(ChronoField.HOUR_OF_DAY, 2).appendLiteral(':')
            .appendValue(ChronoField.MINUTE_OF_HOUR, 2).optionalStart().appendLiteral(':')
            .appendValue(ChronoField.SECOND_OF_MINUTE, 2).appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd().optionalStart().appendOffset("+HH:MM:ss", "Z").optionalEnd().optionalEnd()
            .toFormatter(Locale.ROOT);

    /** Days since 1970-01-01 of the last parse. */
    public long days;
    /** Seconds into the day (local time) of the last parse. */
    public int secondOfDay;
    /** Nanoseconds into the second of the last parse. */
    public int nanos;
    /** Whether the last parse had a fraction finer than microseconds. */
    public boolean subMicros;
    /** Whether the last parse had an offset. */
    public boolean hasOffset;
    /** The offset of the last parse, in seconds east of UTC. */
    public int offsetSeconds;

    /** Parses {@code b[s, e)}; returns {@link #FAIL}, {@link #DATE} or {@link #DATETIME}. */
    public int parse(byte[] b, int s, int e) {
        int n = e - s;
        if (n < 10 || b[s + 4] != '-' || b[s + 7] != '-') {
            return FAIL;
        }
        int y = d4(b, s);
        int m = d2(b, s + 5);
        int d = d2(b, s + 8);
        if (y < 0 || m < 1 || m > 12 || d < 1 || d > monthLength(y, m)) {
            return FAIL;
        }
        days = daysFromCivil(y, m, d);
        hasOffset = false;
        offsetSeconds = 0;
        secondOfDay = 0;
        nanos = 0;
        subMicros = false;
        if (n == 10) {
            return DATE;
        }
        int p = s + 10;
        byte sep = b[p];
        if ((sep != 'T' && sep != ' ') || n < 16 || b[p + 3] != ':') {
            return fallback(b, s, e);
        }
        int hh = d2(b, p + 1);
        int mm = d2(b, p + 4);
        int ss = 0;
        p += 6;
        if (p < e && b[p] == ':') {
            if (p + 3 > e) {
                return FAIL;
            }
            ss = d2(b, p + 1);
            p += 3;
            if (p < e && b[p] == '.') {
                p++;
                int digits = 0;
                int f = 0;
                while (p < e && b[p] >= '0' && b[p] <= '9') {
                    if (digits < 9) {
                        f = f * 10 + (b[p] - '0');
                    } else {
                        return fallback(b, s, e); // more than nanoseconds
                    }
                    digits++;
                    p++;
                }
                if (digits == 0) {
                    return fallback(b, s, e);
                }
                for (int k = digits; k < 9; k++) {
                    f *= 10;
                }
                nanos = f;
                subMicros = f % 1000 != 0;
            }
        }
        if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59) {
            return fallback(b, s, e);
        }
        secondOfDay = hh * 3600 + mm * 60 + ss;
        if (p == e) {
            return DATETIME;
        }
        byte z = b[p];
        if (z == 'Z' && p + 1 == e) {
            hasOffset = true;
            return DATETIME;
        }
        if (z != '+' && z != '-') {
            return fallback(b, s, e);
        }
        int rest = e - p - 1;
        int oh;
        int om = 0;
        if (rest == 2) {
            oh = d2(b, p + 1);
        } else if (rest == 4) {
            oh = d2(b, p + 1);
            om = d2(b, p + 3);
        } else if (rest == 5 && b[p + 3] == ':') {
            oh = d2(b, p + 1);
            om = d2(b, p + 4);
        } else {
            return fallback(b, s, e);
        }
        if (oh < 0 || oh > 18 || om < 0 || om > 59) {
            return FAIL;
        }
        hasOffset = true;
        offsetSeconds = (z == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        return DATETIME;
    }

    /** Unusual forms (seconds in offsets, ...): {@code java.time}, off the common path. */
    private int fallback(byte[] b, int s, int e) {
        String text = new String(b, s, e - s, java.nio.charset.StandardCharsets.ISO_8859_1);
        TemporalAccessor t;
        try {
            t = FALLBACK.parse(text);
        } catch (DateTimeParseException ex) {
            return FAIL;
        }
        LocalDate date = LocalDate.from(t);
        days = date.toEpochDay();
        if (!t.isSupported(ChronoField.HOUR_OF_DAY)) {
            return DATE;
        }
        LocalTime time = LocalTime.from(t);
        secondOfDay = time.toSecondOfDay();
        nanos = time.getNano();
        subMicros = nanos % 1000 != 0;
        hasOffset = t.isSupported(ChronoField.OFFSET_SECONDS);
        offsetSeconds = hasOffset ? t.get(ChronoField.OFFSET_SECONDS) : 0;
        return DATETIME;
    }

    /** Epoch seconds (UTC) of the last parse. */
    public long epochSecond() {
        return days * 86_400 + secondOfDay - offsetSeconds;
    }

    /** Whether the last parse fits int64 nanoseconds. */
    public boolean fitsNanos() {
        long sec = epochSecond();
        return sec > Long.MIN_VALUE / 1_000_000_000L && sec < Long.MAX_VALUE / 1_000_000_000L - 1;
    }

    /** The last parse as int64 nanoseconds since the epoch; check {@link #fitsNanos()} first. */
    public long epochNanos() {
        return epochSecond() * 1_000_000_000L + nanos;
    }

    /** The last parse as int64 microseconds since the epoch (fractions finer than that dropped). */
    public long epochMicros() {
        return epochSecond() * 1_000_000L + nanos / 1000;
    }

    private static int d2(byte[] b, int i) {
        int a = b[i] - '0';
        int c = b[i + 1] - '0';
        if ((a | c) < 0 || a > 9 || c > 9) {
            return -1;
        }
        return a * 10 + c;
    }

    private static int d4(byte[] b, int i) {
        int hi = d2(b, i);
        int lo = d2(b, i + 2);
        return (hi | lo) < 0 ? -1 : hi * 100 + lo;
    }

    static int monthLength(int y, int m) {
        return switch (m) {
            case 2 -> (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date. */
    public static long daysFromCivil(long y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }

    /**
     * Writes {@code YYYY-MM-DD} of {@code days} since the epoch into {@code out} at {@code at};
     * returns the new position. Years outside 0–9999 are written with sign and as many digits
     * as they need.
     */
    public static int writeDate(byte[] out, int at, long days) {
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long y = yoe + era * 400;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int d = (int) (doy - (153 * mp + 2) / 5 + 1);
        int m = (int) (mp < 10 ? mp + 3 : mp - 9);
        if (m <= 2) {
            y++;
        }
        if (y >= 0 && y <= 9999) {
            int yy = (int) y;
            out[at++] = (byte) ('0' + yy / 1000);
            out[at++] = (byte) ('0' + yy / 100 % 10);
            out[at++] = (byte) ('0' + yy / 10 % 10);
            out[at++] = (byte) ('0' + yy % 10);
        } else {
            byte[] t = Long.toString(y).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            System.arraycopy(t, 0, out, at, t.length);
            at += t.length;
        }
        out[at++] = '-';
        out[at++] = (byte) ('0' + m / 10);
        out[at++] = (byte) ('0' + m % 10);
        out[at++] = '-';
        out[at++] = (byte) ('0' + d / 10);
        out[at++] = (byte) ('0' + d % 10);
        return at;
    }

    /**
     * Writes {@code HH:MM:SS[.fff|.ffffff|.fffffffff]} of a time of day into {@code out}; the
     * fraction has 3, 6 or 9 digits, as few as hold {@code nanos}. Returns the new position.
     */
    public static int writeTime(byte[] out, int at, int secondOfDay, int nanos) {
        int h = secondOfDay / 3600;
        int mi = secondOfDay / 60 % 60;
        int s = secondOfDay % 60;
        out[at++] = (byte) ('0' + h / 10);
        out[at++] = (byte) ('0' + h % 10);
        out[at++] = ':';
        out[at++] = (byte) ('0' + mi / 10);
        out[at++] = (byte) ('0' + mi % 10);
        out[at++] = ':';
        out[at++] = (byte) ('0' + s / 10);
        out[at++] = (byte) ('0' + s % 10);
        if (nanos != 0) {
            int digits;
            int v;
            if (nanos % 1_000_000 == 0) {
                digits = 3;
                v = nanos / 1_000_000;
            } else if (nanos % 1000 == 0) {
                digits = 6;
                v = nanos / 1000;
            } else {
                digits = 9;
                v = nanos;
            }
            out[at++] = '.';
            for (int k = digits - 1; k >= 0; k--) {
                out[at + k] = (byte) ('0' + v % 10);
                v /= 10;
            }
            at += digits;
        }
        return at;
    }

    /** Writes an offset as {@code +HH:MM} (or {@code +HH:MM:SS}); returns the new position. */
    public static int writeOffset(byte[] out, int at, int offsetSeconds) {
        int a = Math.abs(offsetSeconds);
        out[at++] = (byte) (offsetSeconds < 0 ? '-' : '+');
        int h = a / 3600;
        int m = a / 60 % 60;
        int s = a % 60;
        out[at++] = (byte) ('0' + h / 10);
        out[at++] = (byte) ('0' + h % 10);
        out[at++] = ':';
        out[at++] = (byte) ('0' + m / 10);
        out[at++] = (byte) ('0' + m % 10);
        if (s != 0) {
            out[at++] = ':';
            out[at++] = (byte) ('0' + s / 10);
            out[at++] = (byte) ('0' + s % 10);
        }
        return at;
    }
}
