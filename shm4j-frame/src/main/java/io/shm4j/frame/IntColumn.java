package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;

/**
 * An integer column of at most 32 signed bits (int32/16/8, uint16/8), read in place as
 * {@code int}. Thread-safety and ownership: see {@link Column}.
 */
public final class IntColumn extends Column {
    IntColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
    }

    @Override
    IntColumn with(ArrowField newField, Chunk[] newChunks) {
        return new IntColumn(newField, newChunks);
    }

    @Override
    public IntColumn slice(long from, long to) {
        return (IntColumn) super.slice(from, to);
    }

    /** The value at {@code row} (for a null row: whatever the slot holds). */
    public int get(long row) {
        int k = chunkOf(row);
        return (int) readInteger(chunks[k], row - starts[k], field.type());
    }

    @Override
    public Object getObject(long row) {
        return isNull(row) ? null : get(row);
    }
}
