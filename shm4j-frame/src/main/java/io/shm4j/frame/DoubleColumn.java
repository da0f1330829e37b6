package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A float64, float32 or float16 (halffloat) column, read in place as {@code double}; also a
 * dictionary of floats, decoded on access. Reductions run over the mapped
 * buffers at memory speed. Thread-safety and ownership: see {@link Column}.
 */
public final class DoubleColumn extends Column {
    private final boolean f32;
    private final boolean f16;
    private final boolean generic;

    DoubleColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
        this.f32 = field.type() == ColumnType.FLOAT32;
        this.f16 = field.type() == ColumnType.FLOAT16;
        this.generic = f16 || field.isDictionary();
    }

    @Override
    DoubleColumn with(ArrowField newField, Chunk[] newChunks) {
        return new DoubleColumn(newField, newChunks);
    }

    @Override
    public DoubleColumn slice(long from, long to) {
        return (DoubleColumn) super.slice(from, to);
    }

    /** The value at {@code row} (for a null row: whatever the slot holds). */
    public double get(long row) {
        int k = chunkOf(row);
        Chunk c = chunks[k];
        long e = valueIndex(c, row - starts[k], row);
        MemorySegment v = valueChunk(c).values();
        if (f16) {
            return Float.float16ToFloat(v.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, e));
        }
        return f32 ? v.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, e)
                : v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e);
    }

    @Override
    public Object getObject(long row) {
        return isNull(row) ? null : get(row);
    }

    /** Sum of the non-null values (NaN if any of them is NaN). */
    public double sum() {
        return reduce(false);
    }

    /** Sum of the values that are neither null nor NaN (NumPy's {@code nansum}). */
    public double nansum() {
        return reduce(true);
    }

    /** Copies the values (nulls as NaN) into a new heap array; rows must fit an int. */
    public double[] toArray() {
        double[] out = new double[Math.toIntExact(length)];
        for (int i = 0; i < out.length; i++) {
            out[i] = isNull(i) ? Double.NaN : get(i);
        }
        return out;
    }

    private double reduce(boolean skipNaN) {
        double s = 0;
        if (generic) {
            for (long i = 0; i < length; i += Chunk.SCAN_BLOCK) {
                s = reduceRows(i, Math.min(length, i + Chunk.SCAN_BLOCK), skipNaN, s);
            }
            return s;
        }
        for (Chunk c : chunks) {
            s += f32 ? sumFloat(c, skipNaN) : sumDouble(c, skipNaN);
        }
        return s;
    }

    private double reduceRows(long from, long to, boolean skipNaN, double s) {
        for (long i = from; i < to; i++) {
            if (!isNull(i)) {
                double a = get(i);
                if (!skipNaN || a == a) {
                    s += a;
                }
            }
        }
        return s;
    }

    /**
     * Two running sums, in calls of {@link Chunk#SCAN_BLOCK} rows (an even number and whole
     * validity words, so the additions are those of one loop): without nulls, over the pairs of
     * the chunk; with nulls, see {@link #sumMasked}.
     */
    private static double sumDouble(Chunk c, boolean skipNaN) {
        MemorySegment v = c.values();
        long off = c.offset();
        long n = c.length();
        MemorySegment valid = c.validity();
        double[] acc = new double[2];
        if (valid == null) {
            for (long b = 0; b < n; b += Chunk.SCAN_BLOCK) {
                sumPlain(v, off + b, Math.min(Chunk.SCAN_BLOCK, n - b), skipNaN, acc);
            }
            return acc[0] + acc[1];
        }
        long i = 0;
        // element by element until the validity bit position is byte-aligned
        for (; i < n && ((off + i) & 7) != 0; i++) {
            acc[0] += maskedDouble(v, valid, off + i, skipNaN);
        }
        long words = (n - i) & ~63L; // rows in whole validity words
        for (long b = 0; b < words; b += Chunk.SCAN_BLOCK) {
            sumMasked(v, valid, off + i + b, Math.min(Chunk.SCAN_BLOCK, words - b), skipNaN, acc);
        }
        i += words;
        for (; i < n; i++) {
            acc[0] += maskedDouble(v, valid, off + i, skipNaN);
        }
        return acc[0] + acc[1];
    }

    /** Adds {@code n} values without nulls at element {@code e} to the running pair {@code acc}. */
    private static void sumPlain(MemorySegment v, long e, long n, boolean skipNaN, double[] acc) {
        double s0 = acc[0];
        double s1 = acc[1];
        long i = 0;
        if (skipNaN) {
            for (; i + 1 < n; i += 2) {
                double a = v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + i);
                double b = v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + i + 1);
                s0 += a == a ? a : 0.0;
                s1 += b == b ? b : 0.0;
            }
            for (; i < n; i++) {
                double a = v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + i);
                s0 += a == a ? a : 0.0;
            }
        } else {
            for (; i + 1 < n; i += 2) {
                s0 += v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + i);
                s1 += v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + i + 1);
            }
            for (; i < n; i++) {
                s0 += v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + i);
            }
        }
        acc[0] = s0;
        acc[1] = s1;
    }

    /**
     * Adds {@code n} values (a multiple of 64) at element {@code e} (at a validity byte's first
     * bit) to the running pair {@code acc}, one validity word (64 rows) at a time, by what the
     * word holds: no valid row, skipped; every row valid, read as without nulls; at most 48 valid,
     * only those read (lowest set bit first); more, every row read and nulls masked to +0.0.
     * No branch depends on a single row's validity (one per word at most), so nulls on random
     * rows cost no mispredictions: a {@code nansum} of 10 M rows with nulls on half of them,
     * random or alternate, costs about what one over a heap array without nulls does.
     */
    private static void sumMasked(MemorySegment v, MemorySegment valid, long e0, long n, boolean skipNaN, double[] acc) {
        double s0 = acc[0];
        double s1 = acc[1];
        for (long i = 0; i < n; i += 64) {
            long e = e0 + i;
            long bits = valid.get(ValueLayout.JAVA_LONG_UNALIGNED, e >>> 3);
            if (bits == 0) {
                continue;
            }
            if (bits == -1L) {
                for (int k = 0; k < 64; k += 2) {
                    double a = v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + k);
                    double b = v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + k + 1);
                    s0 += skipNaN && a != a ? 0.0 : a;
                    s1 += skipNaN && b != b ? 0.0 : b;
                }
            } else if (Long.bitCount(bits) <= 48) {
                while (bits != 0) {
                    double a = v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + Long.numberOfTrailingZeros(bits));
                    bits &= bits - 1;
                    if (bits == 0) {
                        s0 += skipNaN && a != a ? 0.0 : a;
                        break;
                    }
                    double b = v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + Long.numberOfTrailingZeros(bits));
                    bits &= bits - 1;
                    s0 += skipNaN && a != a ? 0.0 : a;
                    s1 += skipNaN && b != b ? 0.0 : b;
                }
            } else {
                for (int k = 0; k < 64; k += 2) {
                    long m0 = -((bits >>> k) & 1);
                    long m1 = -((bits >>> (k + 1)) & 1);
                    double a = Double.longBitsToDouble(
                            Double.doubleToRawLongBits(v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + k)) & m0);
                    double b = Double.longBitsToDouble(
                            Double.doubleToRawLongBits(v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e + k + 1)) & m1);
                    s0 += skipNaN && a != a ? 0.0 : a;
                    s1 += skipNaN && b != b ? 0.0 : b;
                }
            }
        }
        acc[0] = s0;
        acc[1] = s1;
    }

    private static double maskedDouble(MemorySegment v, MemorySegment valid, long e, boolean skipNaN) {
        if (((valid.get(ValueLayout.JAVA_BYTE, e >>> 3) >> (e & 7)) & 1) == 0) {
            return 0.0;
        }
        double a = v.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, e);
        return skipNaN && a != a ? 0.0 : a;
    }

    private static double sumFloat(Chunk c, boolean skipNaN) {
        double s = 0;
        for (long j = 0; j < c.length(); j += Chunk.SCAN_BLOCK) {
            s = sumFloatRows(c, j, Math.min(c.length(), j + Chunk.SCAN_BLOCK), skipNaN, s);
        }
        return s;
    }

    private static double sumFloatRows(Chunk c, long from, long to, boolean skipNaN, double s) {
        MemorySegment v = c.values();
        for (long j = from; j < to; j++) {
            if (c.isNull(j)) {
                continue;
            }
            float a = v.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, c.offset() + j);
            if (!skipNaN || a == a) {
                s += a;
            }
        }
        return s;
    }
}
