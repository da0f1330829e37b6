package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.lang.foreign.ValueLayout;
import java.time.LocalDate;

/**
 * A date column: Arrow {@code date32[day]} (int32 days since 1970-01-01) or {@code date64[ms]}
 * (int64 milliseconds since the epoch, a multiple of a day), read in place. Text is ISO
 * {@code 2024-01-31}, as pyarrow casts it. Thread-safety and ownership: see {@link Column}.
 */
public final class DateColumn extends Column {
    private static final long MS_PER_DAY = 86_400_000L;
    private final boolean days;

    DateColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
        this.days = field.valueWidth() == 4;
    }

    @Override
    DateColumn with(ArrowField newField, Chunk[] newChunks) {
        return new DateColumn(newField, newChunks);
    }

    @Override
    public DateColumn slice(long from, long to) {
        return (DateColumn) super.slice(from, to);
    }

    /** The stored value: days (date32) or milliseconds (date64) since the epoch. */
    public long raw(long row) {
        int k = chunkOf(row);
        Chunk c = chunks[k];
        long e = c.offset() + row - starts[k];
        return days ? c.values().getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, e)
                : c.values().getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, e);
    }

    /** Days since 1970-01-01 (date64 values are floored to the day). */
    public long epochDay(long row) {
        long v = raw(row);
        return days ? v : Math.floorDiv(v, MS_PER_DAY);
    }

    /** The date at {@code row}, or null. */
    public LocalDate get(long row) {
        if (isNull(row)) {
            return null;
        }
        long d = epochDay(row);
        try {
            return LocalDate.ofEpochDay(d);
        } catch (java.time.DateTimeException e) {
            throw new FrameFormatException("date out of the representable range: column=" + name() + ", row=" + row
                    + ", epochDay=" + d, e);
        }
    }

    @Override
    public Object getObject(long row) {
        return get(row);
    }
}
