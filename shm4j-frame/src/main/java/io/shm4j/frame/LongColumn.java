package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;

/**
 * An integer column of any width (int64/32/16/8, uint64/32/16/8), read in place as {@code long};
 * also a dictionary of integers (pandas integer categories), decoded on access. A uint64 value
 * above {@link Long#MAX_VALUE} reads as its bits (negative; {@link Long#toUnsignedString} shows
 * it), while {@link #getObject} and {@link #format} give the unsigned value. Thread-safety and
 * ownership: see {@link Column}.
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
        Chunk c = chunks[k];
        long j = row - starts[k];
        if (c.dictionary() == null) {
            return readInteger(c, j, field.type());
        }
        long e = valueIndex(c, j, row);
        Chunk d = c.dictionary();
        return readInteger(d, e - d.offset(), field.type());
    }

    /** Whether values are uint64 (so negative {@link #get} results stand for values above 2^63 - 1). */
    public boolean isUnsigned64() {
        return field.type() == ColumnType.UINT64;
    }

    @Override
    public Object getObject(long row) {
        if (isNull(row)) {
            return null;
        }
        long v = get(row);
        if (v < 0 && isUnsigned64()) {
            return new java.math.BigInteger(Long.toUnsignedString(v));
        }
        return v;
    }

    @Override
    public String format(long row) {
        if (isNull(row)) {
            return "";
        }
        long v = get(row);
        return isUnsigned64() ? Long.toUnsignedString(v) : Long.toString(v);
    }

    /** Sum of the non-null values (wrapping on overflow, like NumPy). */
    public long sum() {
        long s = 0;
        if (field.isDictionary()) {
            for (long i = 0; i < length; i += Chunk.SCAN_BLOCK) {
                s += sumRows(i, Math.min(length, i + Chunk.SCAN_BLOCK));
            }
            return s;
        }
        ColumnType t = field.type();
        for (Chunk c : chunks) {
            for (long j = 0; j < c.length(); j += Chunk.SCAN_BLOCK) {
                s += sumRows(c, j, Math.min(c.length(), j + Chunk.SCAN_BLOCK), t);
            }
        }
        return s;
    }

    private long sumRows(long from, long to) {
        long s = 0;
        for (long i = from; i < to; i++) {
            if (!isNull(i)) {
                s += get(i);
            }
        }
        return s;
    }

    private static long sumRows(Chunk c, long from, long to, ColumnType t) {
        long s = 0;
        for (long j = from; j < to; j++) {
            if (!c.isNull(j)) {
                s += readInteger(c, j, t);
            }
        }
        return s;
    }
}
