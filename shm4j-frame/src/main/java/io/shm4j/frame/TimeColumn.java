package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.lang.foreign.ValueLayout;
import java.time.LocalTime;
import java.util.concurrent.TimeUnit;

/**
 * A time-of-day column: Arrow {@code time32[s|ms]} (int32) or {@code time64[us|ns]} (int64),
 * counts of {@link #unit()} since midnight, read in place. Text is {@code HH:mm:ss} with as many
 * fraction digits as the unit has (3, 6 or 9), as pyarrow's CSV writer prints it. Thread-safety
 * and ownership: see {@link Column}.
 */
public final class TimeColumn extends Column {
    private final boolean narrow;
    private final long nanosPerUnit;

    TimeColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
        this.narrow = field.valueWidth() == 4;
        this.nanosPerUnit = field.unit().toNanos(1);
    }

    @Override
    TimeColumn with(ArrowField newField, Chunk[] newChunks) {
        return new TimeColumn(newField, newChunks);
    }

    @Override
    public TimeColumn slice(long from, long to) {
        return (TimeColumn) super.slice(from, to);
    }

    /** The unit of the stored values. */
    public TimeUnit unit() {
        return field.unit();
    }

    /** The stored value at {@code row}, in {@link #unit()}s since midnight. */
    public long raw(long row) {
        int k = chunkOf(row);
        Chunk c = chunks[k];
        long e = c.offset() + row - starts[k];
        return narrow ? c.values().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, e)
                : c.values().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, e);
    }

    /** Nanoseconds since midnight. */
    public long nanoOfDay(long row) {
        return raw(row) * nanosPerUnit;
    }

    /** The time at {@code row}, or null. */
    public LocalTime get(long row) {
        if (isNull(row)) {
            return null;
        }
        long v = raw(row);
        try {
            return LocalTime.ofNanoOfDay(Math.multiplyExact(v, nanosPerUnit));
        } catch (ArithmeticException | java.time.DateTimeException e) {
            throw new FrameFormatException("time of day out of range: column=" + name() + ", row=" + row + ", value="
                    + v + ", unit=" + ArrowField.unitName(unit()), e);
        }
    }

    @Override
    public Object getObject(long row) {
        return get(row);
    }

    @Override
    public String format(long row) {
        LocalTime t = get(row);
        if (t == null) {
            return "";
        }
        String hms = String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
        int digits = switch (unit()) {
            case MILLISECONDS -> 3;
            case MICROSECONDS -> 6;
            case NANOSECONDS -> 9;
            default -> 0;
        };
        if (digits == 0) {
            return hms;
        }
        String frac = String.format("%09d", t.getNano());
        return hms + "." + frac.substring(0, digits);
    }
}
