package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A duration column: Arrow {@code duration[unit]}, int64 counts of {@link #unit()}, read in
 * place. Text is the raw count, as pyarrow's CSV writer prints it. Thread-safety and ownership:
 * see {@link Column}.
 */
public final class DurationColumn extends Column {
    DurationColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
    }

    @Override
    DurationColumn with(ArrowField newField, Chunk[] newChunks) {
        return new DurationColumn(newField, newChunks);
    }

    @Override
    public DurationColumn slice(long from, long to) {
        return (DurationColumn) super.slice(from, to);
    }

    /** The unit of the stored values. */
    public TimeUnit unit() {
        return field.unit();
    }

    /** The stored count at {@code row}, in {@link #unit()}s. */
    public long raw(long row) {
        int k = chunkOf(row);
        return readInteger(chunks[k], row - starts[k], ColumnType.DURATION);
    }

    /** The duration at {@code row}, or null. */
    public Duration get(long row) {
        if (isNull(row)) {
            return null;
        }
        return Duration.of(raw(row), unit().toChronoUnit());
    }

    @Override
    public Object getObject(long row) {
        return get(row);
    }

    @Override
    public String format(long row) {
        return isNull(row) ? "" : Long.toString(raw(row));
    }
}
