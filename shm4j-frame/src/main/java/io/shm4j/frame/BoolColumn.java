package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.lang.foreign.ValueLayout;

/** A bool column (one bit per value), read in place. Thread-safety and ownership: see {@link Column}. */
public final class BoolColumn extends Column {
    BoolColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
    }

    @Override
    BoolColumn with(ArrowField newField, Chunk[] newChunks) {
        return new BoolColumn(newField, newChunks);
    }

    @Override
    public BoolColumn slice(long from, long to) {
        return (BoolColumn) super.slice(from, to);
    }

    /** The value at {@code row} (for a null row: whatever the bit holds). */
    public boolean get(long row) {
        int k = chunkOf(row);
        Chunk c = chunks[k];
        long bit = c.offset() + row - starts[k];
        return ((c.values().get(ValueLayout.JAVA_BYTE, bit >>> 3) >> (bit & 7)) & 1) != 0;
    }

    @Override
    public Object getObject(long row) {
        return isNull(row) ? null : get(row);
    }

    /** Number of non-null true values. */
    public long countTrue() {
        long n = 0;
        for (long i = 0; i < length; i += Chunk.SCAN_BLOCK) {
            n += countTrue(i, Math.min(length, i + Chunk.SCAN_BLOCK));
        }
        return n;
    }

    private long countTrue(long from, long to) {
        long n = 0;
        for (long i = from; i < to; i++) {
            if (!isNull(i) && get(i)) {
                n++;
            }
        }
        return n;
    }
}
