package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;

/**
 * An integer column of any width (int64/32/16/8, uint32/16/8), read in place as {@code long}.
 * Thread-safety and ownership: see {@link Column}.
 */
public final class LongColumn extends Column {
    LongColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
    }

    @Override
    LongColumn with(ArrowField newField, Chunk[] newChunks) {
        return new LongColumn(newField, newChunks);
    }

    @Override
    public LongColumn slice(long from, long to) {
        return (LongColumn) super.slice(from, to);
    }

    /** The value at {@code row} (for a null row: whatever the slot holds). */
    public long get(long row) {
        int k = chunkOf(row);
        return readInteger(chunks[k], row - starts[k], field.type());
    }

    @Override
    public Object getObject(long row) {
        return isNull(row) ? null : get(row);
    }

    /** Sum of the non-null values (wrapping on overflow, like NumPy). */
    public long sum() {
        long s = 0;
        ColumnType t = field.type();
        for (Chunk c : chunks) {
            for (long j = 0; j < c.length(); j++) {
                if (!c.isNull(j)) {
                    s += readInteger(c, j, t);
                }
            }
        }
        return s;
    }
}
