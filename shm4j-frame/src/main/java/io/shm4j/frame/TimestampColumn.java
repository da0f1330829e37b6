package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.concurrent.TimeUnit;

/**
 * A timestamp column: int64 counts of {@link #unit()} since 1970-01-01T00:00 UTC, naive or with
 * a {@link #timeZone()}, read in place. Thread-safety and ownership: see {@link Column}.
 */
public final class TimestampColumn extends Column {
    /** How timestamps are printed (and parsed back from CSV): {@code 2024-01-31 12:00:00[.fraction][+01:00]}. */
    static final DateTimeFormatter LOCAL = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE).appendLiteral(' ')
            .appendPattern("HH:mm:ss").appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).toFormatter();
    static final DateTimeFormatter ZONED = new DateTimeFormatterBuilder().append(LOCAL)
            .appendOffset("+HH:MM", "+00:00").toFormatter();

    private final ZoneId zone;
    private final long nanosPerUnit;

    TimestampColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
        this.zone = field.timeZone() == null ? null : io.shm4j.frame.internal.Zones.of(field.timeZone());
        this.nanosPerUnit = field.unit().toNanos(1);
    }

    @Override
    TimestampColumn with(ArrowField newField, Chunk[] newChunks) {
        return new TimestampColumn(newField, newChunks);
    }

    @Override
    public TimestampColumn slice(long from, long to) {
        return (TimestampColumn) super.slice(from, to);
    }

    /** The unit of the stored values. */
    public TimeUnit unit() {
        return field.unit();
    }

    /** The time zone name, or null for naive timestamps. */
    public String timeZone() {
        return field.timeZone();
    }

    /** The stored value at {@code row}, in {@link #unit()}s. */
    public long raw(long row) {
        int k = chunkOf(row);
        return readInteger(chunks[k], row - starts[k], ColumnType.TIMESTAMP);
    }

    /** The value at {@code row} in nanoseconds since the epoch (saturating). */
    public long epochNanos(long row) {
        long v = raw(row);
        return nanosPerUnit == 1 ? v : multiplySaturated(v, nanosPerUnit);
    }

    /** The instant at {@code row}, or null for a null row. */
    public Instant instant(long row) {
        if (isNull(row)) {
            return null;
        }
        long v = raw(row);
        long perSecond = 1_000_000_000L / nanosPerUnit;
        try {
            return Instant.ofEpochSecond(Math.floorDiv(v, perSecond), Math.floorMod(v, perSecond) * nanosPerUnit);
        } catch (java.time.DateTimeException e) {
            throw new FrameFormatException("timestamp out of the representable range: column=" + name() + ", row="
                    + row + ", value=" + v + ", unit=" + ArrowField.unitName(unit()), e);
        }
    }

    /** The wall-clock time at {@code row}: in the column's zone, or UTC for naive timestamps; null for null. */
    public LocalDateTime localDateTime(long row) {
        Instant t = instant(row);
        return t == null ? null : toLocal(t, row);
    }

    @Override
    public Object getObject(long row) {
        Instant t = instant(row);
        if (t == null) {
            return null;
        }
        return zone == null ? toLocal(t, row) : toZoned(t, row);
    }

    private LocalDateTime toLocal(Instant t, long row) {
        try {
            return LocalDateTime.ofInstant(t, zone == null ? ZoneOffset.UTC : zone);
        } catch (java.time.DateTimeException e) {
            throw outOfRange(row, e);
        }
    }

    private ZonedDateTime toZoned(Instant t, long row) {
        try {
            return ZonedDateTime.ofInstant(t, zone);
        } catch (java.time.DateTimeException e) {
            throw outOfRange(row, e);
        }
    }

    private FrameFormatException outOfRange(long row, Exception e) {
        return new FrameFormatException("timestamp out of the representable range: column=" + name() + ", row=" + row
                + ", value=" + raw(row) + ", unit=" + ArrowField.unitName(unit()), e);
    }

    @Override
    public String format(long row) {
        Instant t = instant(row);
        if (t == null) {
            return "";
        }
        return zone == null ? LOCAL.format(toLocal(t, row)) : ZONED.format(toZoned(t, row));
    }

    private static long multiplySaturated(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
            return lo;
        }
        return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
}
