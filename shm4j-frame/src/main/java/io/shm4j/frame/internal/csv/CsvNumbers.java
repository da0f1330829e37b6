package io.shm4j.frame.internal.csv;

import java.nio.charset.StandardCharsets;

/**
 * Integers and decimals as CSV text, parsed from bytes without making a string. Integers are
 * exact int64 (or an overflow). Decimals take Clinger's fast path — at most 18 significant
 * digits forming an integer {@code m <= 2^53} and a power of ten {@code |e| <= 22}, where one
 * IEEE multiplication or division of two exact values is correctly rounded — which covers what
 * CSV files carry (prices, measurements, coordinates); other valid decimals go to the JDK's
 * correctly rounded {@link Double#parseDouble}. Leading and trailing spaces are allowed, as
 * pandas allows them. Not thread-safe: results are left in fields.
 */
public final class CsvNumbers {
    /** Parsed. */
    public static final int OK = 0;
    /** Not a number of the asked kind. */
    public static final int NOT = 1;
    /** Digits only, but beyond int64. */
    public static final int OVERFLOW = 2;

    private static final double[] POW10 = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    /** The last integer parsed. */
    public long longValue;
    /** The last decimal parsed. */
    public double doubleValue;

    /** Parses an int64 from {@code b[s, e)}; returns {@link #OK}, {@link #NOT} or {@link #OVERFLOW}. */
    public int parseLong(byte[] b, int s, int e) {
        while (s < e && b[s] == ' ') {
            s++;
        }
        while (e > s && b[e - 1] == ' ') {
            e--;
        }
        if (s == e) {
            return NOT;
        }
        boolean neg = false;
        byte c = b[s];
        if (c == '-' || c == '+') {
            neg = c == '-';
            if (++s == e) {
                return NOT;
            }
        }
        long v = 0; // accumulated negatively: covers Long.MIN_VALUE
        boolean overflow = false;
        for (int i = s; i < e; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return NOT;
            }
            if (v < -922_337_203_685_477_580L || (v == -922_337_203_685_477_580L && d > 8)) {
                overflow = true;
            }
            v = v * 10 - d;
        }
        if (overflow || (!neg && v == Long.MIN_VALUE)) {
            return OVERFLOW;
        }
        longValue = neg ? v : -v;
        return OK;
    }

    /** Parses a float64 from {@code b[s, e)}; returns {@link #OK} or {@link #NOT}. */
    public int parseDouble(byte[] b, int s, int e) {
        while (s < e && b[s] == ' ') {
            s++;
        }
        while (e > s && b[e - 1] == ' ') {
            e--;
        }
        if (s == e) {
            return NOT;
        }
        int start = s;
        boolean neg = false;
        byte c = b[s];
        if (c == '-' || c == '+') {
            neg = c == '-';
            if (++s == e) {
                return NOT;
            }
        }
        c = b[s];
        if (c == 'i' || c == 'I') {
            if (matchesIgnoreCase(b, s, e, "inf") || matchesIgnoreCase(b, s, e, "infinity")) {
                doubleValue = neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                return OK;
            }
            return NOT;
        }
        long m = 0;
        int sig = 0; // significant digits taken into m
        boolean dropped = false;
        int exp10 = 0;
        int digits = 0;
        int i = s;
        for (; i < e; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            digits++;
            if (sig < 18) {
                if (m != 0 || d != 0) {
                    sig++;
                }
                m = m * 10 + d;
            } else {
                exp10++;
                dropped |= d != 0;
            }
        }
        if (i < e && b[i] == '.') {
            i++;
            for (; i < e; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                digits++;
                if (sig < 18) {
                    if (m != 0 || d != 0) {
                        sig++;
                    }
                    m = m * 10 + d;
                    exp10--;
                } else {
                    dropped |= d != 0;
                }
            }
        }
        if (digits == 0) {
            return NOT;
        }
        if (i < e && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            boolean eneg = false;
            if (i < e && (b[i] == '-' || b[i] == '+')) {
                eneg = b[i] == '-';
                i++;
            }
            if (i == e) {
                return NOT;
            }
            int x = 0;
            for (; i < e; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    return NOT;
                }
                if (x < 100_000) {
                    x = x * 10 + d;
                }
            }
            exp10 += eneg ? -x : x;
        }
        if (i != e) {
            return NOT;
        }
        if (m == 0) {
            doubleValue = neg ? -0.0 : 0.0;
            return OK;
        }
        if (!dropped && m <= (1L << 53) && exp10 >= -22 && exp10 <= 22) {
            double v = exp10 >= 0 ? (double) m * POW10[exp10] : (double) m / POW10[-exp10];
            doubleValue = neg ? -v : v;
            return OK;
        }
        doubleValue = Double.parseDouble(new String(b, start, e - start, StandardCharsets.ISO_8859_1));
        return OK;
    }

    private static boolean matchesIgnoreCase(byte[] b, int s, int e, String word) {
        if (e - s != word.length()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            if (Character.toLowerCase((char) b[s + k]) != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
