package io.shm4j.array;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** Elements as NumPy's {@code str()} prints them (for {@code head} and {@code info}). Stateless. */
final class NumpyText {
    private NumpyText() {}

    /** Python's {@code repr(float)}: shortest round-trip digits, scientific below 1e-4 and from 1e16. */
    static String float64(double x) {
        return shortest(x, Double.toString(x), 1e16);
    }

    /** NumPy's {@code str(np.float32)}: the shortest digits that round-trip in float32, scientific from 1e7. */
    static String float32(float x) {
        return shortest(x, Float.toString(x), 1e7);
    }

    /** NumPy's {@code str(np.float16)}: the shortest digits that round-trip in float16, scientific from 1e3. */
    static String float16(short bits) {
        float x = Float.float16ToFloat(bits);
        if (Float.isNaN(x) || Float.isInfinite(x) || x == 0) {
            return shortest(x, Float.toString(x), 1e3);
        }
        BigDecimal exact = new BigDecimal(x);
        for (int digits = 1; digits < 9; digits++) {
            BigDecimal r = exact.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_EVEN));
            if (Float.floatToFloat16(r.floatValue()) == bits) {
                return shortest(x, r.toString(), 1e3);
            }
        }
        return shortest(x, Float.toString(x), 1e3);
    }

    /** NumPy's scalar text: positional for 1e-4 <= |x| < maxPositional, else scientific ({@code 1e-05}, {@code 2.048e+03}). */
    private static String shortest(double x, String javaText, double maxPositional) {
        if (Double.isNaN(x)) {
            return "nan";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        if (x == 0) {
            return 1 / x < 0 ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(javaText).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale();
        String sign = bd.signum() < 0 ? "-" : "";
        if (Math.abs(x) < 1e-4 || Math.abs(x) >= maxPositional) {
            String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        String plain = bd.toPlainString();
        return plain.indexOf('.') >= 0 ? plain : plain + ".0";
    }

    /** NumPy's {@code str(complex)}: {@code (1+2j)}, {@code (1.5-0.5j)}, {@code (nan+nanj)}. */
    static String complex(double re, double im, boolean single) {
        String r = part(re, single);
        String i = part(im, single);
        boolean neg = im < 0 || (im == 0 && 1 / im < 0);
        if (re == 0 && 1 / re > 0) {
            return i + "j"; // as Python: 2j, -0.5j
        }
        return "(" + r + (neg || Double.isNaN(im) && i.startsWith("-") ? "" : "+") + i + "j)";
    }

    private static String part(double v, boolean single) {
        String s = single ? float32((float) v) : float64(v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    /** A datetime64 as ISO text at its unit's precision, or a timedelta64 as {@code 5 seconds}; NaT is {@code NaT}. */
    static String time(DType t, long v) {
        if (v == Long.MIN_VALUE) {
            return "NaT";
        }
        ChronoUnit u = t.timeUnit();
        if (t.kind() == DType.Kind.TIMEDELTA) {
            String name = switch (u) {
                case NANOS -> "nanoseconds";
                case MICROS -> "microseconds";
                case MILLIS -> "milliseconds";
                case SECONDS -> "seconds";
                default -> "days";
            };
            return v + " " + name;
        }
        if (u == ChronoUnit.DAYS) {
            return LocalDate.ofEpochDay(v).toString();
        }
        Instant i = Instant.EPOCH.plus(v, u);
        LocalDateTime d = LocalDateTime.ofInstant(i, ZoneOffset.UTC);
        String base = String.format(java.util.Locale.ROOT, "%sT%02d:%02d:%02d", d.toLocalDate(), d.getHour(),
                d.getMinute(), d.getSecond());
        return switch (u) {
            case MILLIS -> base + String.format(java.util.Locale.ROOT, ".%03d", d.getNano() / 1_000_000);
            case MICROS -> base + String.format(java.util.Locale.ROOT, ".%06d", d.getNano() / 1_000);
            case NANOS -> base + String.format(java.util.Locale.ROOT, ".%09d", d.getNano());
            default -> base;
        };
    }
}
