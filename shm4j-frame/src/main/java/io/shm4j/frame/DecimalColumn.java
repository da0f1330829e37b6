package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.lang.foreign.ValueLayout;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A decimal128 column: 16-byte little-endian two's complement unscaled values with a fixed
 * {@link #precision()} and {@link #scale()}, read in place. Text is the plain decimal with
 * {@code scale} fraction digits ({@code 1.50}), as pyarrow casts it. Thread-safety and
 * ownership: see {@link Column}.
 */
public final class DecimalColumn extends Column {
    DecimalColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
    }

    @Override
    DecimalColumn with(ArrowField newField, Chunk[] newChunks) {
        return new DecimalColumn(newField, newChunks);
    }

    @Override
    public DecimalColumn slice(long from, long to) {
        return (DecimalColumn) super.slice(from, to);
    }

    /** Total decimal digits. */
    public int precision() {
        return field.extra().precision();
    }

    /** Digits after the decimal point. */
    public int scale() {
        return field.extra().scale();
    }

    /** The low 64 bits of the unscaled value (exact when it fits a long: see {@link #fitsLong}). */
    public long unscaledLow(long row) {
        int k = chunkOf(row);
        Chunk c = chunks[k];
        return c.values().get(ValueLayout.JAVA_LONG_UNALIGNED, (c.offset() + row - starts[k]) * 16);
    }

    /** Whether the unscaled value at {@code row} fits a long. */
    public boolean fitsLong(long row) {
        int k = chunkOf(row);
        Chunk c = chunks[k];
        long at = (c.offset() + row - starts[k]) * 16;
        long lo = c.values().get(ValueLayout.JAVA_LONG_UNALIGNED, at);
        long hi = c.values().get(ValueLayout.JAVA_LONG_UNALIGNED, at + 8);
        return hi == (lo >> 63);
    }

    /** The value at {@code row}, or null. */
    public BigDecimal get(long row) {
        if (isNull(row)) {
            return null;
        }
        int k = chunkOf(row);
        Chunk c = chunks[k];
        long at = (c.offset() + row - starts[k]) * 16;
        long lo = c.values().get(ValueLayout.JAVA_LONG_UNALIGNED, at);
        long hi = c.values().get(ValueLayout.JAVA_LONG_UNALIGNED, at + 8);
        BigInteger unscaled;
        if (hi == (lo >> 63)) {
            unscaled = BigInteger.valueOf(lo);
        } else {
            unscaled = BigInteger.valueOf(hi).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(lo)));
        }
        return new BigDecimal(unscaled, scale());
    }

    @Override
    public Object getObject(long row) {
        return get(row);
    }

    @Override
    public String format(long row) {
        BigDecimal d = get(row);
        return d == null ? "" : d.toPlainString();
    }
}
