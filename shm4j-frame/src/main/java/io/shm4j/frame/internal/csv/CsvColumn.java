package io.shm4j.frame.internal.csv;

import io.shm4j.frame.ColumnType;
import io.shm4j.frame.FrameFormatException;
import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.ColumnSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * One parsed CSV column: its chunks' parts, concatenated into the frame's buffers when the frame
 * is written (chunks in parallel), converted on the way where a chunk's kind is narrower than
 * the column's (int64 → float64, days → timestamps, ns → us). A column of dates only is
 * {@code date32} (int32 days), as pyarrow reads it; any other column of the CSV is 8 bytes a
 * value, a bitmap (bool) or UTF-8 (string).
 *
 * <p>Not thread-safe; written once. The parts live in the reader's scratch memory.
 */
final class CsvColumn extends ColumnSource {
    /** Values per block when a part is converted on its way into the segment (a multiple of 8). */
    private static final int BLOCK = 8192;

    private final byte kind;
    private final ColumnPart[] parts;
    private final long[] rowStarts;
    private final long[] dataStarts;
    private final boolean wideOffsets;

    private CsvColumn(ArrowField field, byte kind, ColumnPart[] parts, long rows) {
        super(field, rows, null);
        this.kind = kind;
        this.parts = parts;
        rowStarts = new long[parts.length + 1];
        dataStarts = new long[parts.length + 1];
        for (int k = 0; k < parts.length; k++) {
            rowStarts[k + 1] = rowStarts[k] + parts[k].rows();
            long d = kind == Kind.STRING && parts[k].kind() == Kind.STRING ? parts[k].values().byteSize() : 0;
            dataStarts[k + 1] = dataStarts[k] + d;
        }
        wideOffsets = dataStarts[parts.length] > Integer.MAX_VALUE;
    }

    static CsvColumn of(String name, byte kind, ColumnPart[] parts, long rows) {
        byte k = kind == Kind.NULL ? (rows == 0 ? Kind.STRING : Kind.FLOAT) : kind;
        String zone = null;
        if (k >= Kind.TS && k <= Kind.TSU) {
            boolean any = false;
            boolean mixed = false;
            int offset = 0;
            for (ColumnPart p : parts) {
                if (p.withOffset()) {
                    mixed |= p.mixedOffsets() || (any && p.offsets0() != offset);
                    offset = p.offsets0();
                    any = true;
                }
            }
            if (any) {
                zone = mixed || offset == 0 ? "UTC" : ZoneOffset.ofTotalSeconds(offset).getId();
            }
        }
        ArrowField field = switch (k) {
            case Kind.BOOL -> ArrowField.of(name, ColumnType.BOOL);
            case Kind.INT -> ArrowField.of(name, ColumnType.INT64);
            case Kind.FLOAT -> ArrowField.of(name, ColumnType.FLOAT64);
            case Kind.DATE -> new ArrowField(name, ColumnType.DATE, true, null, null, 0, null, -1, false,
                    new ArrowField.Extra(4, 0, 0, false, java.util.List.of()));
            case Kind.TS -> ArrowField.timestamp(name, TimeUnit.NANOSECONDS, zone);
            case Kind.TSU -> ArrowField.timestamp(name, TimeUnit.MICROSECONDS, zone);
            default -> ArrowField.of(name, ColumnType.STRING);
        };
        return new CsvColumn(field, k, parts, rows);
    }

    @Override
    public ArrowField field() {
        return kind == Kind.STRING ? field.withOffsetWidth(wideOffsets ? 8 : 4) : field;
    }

    @Override
    public void measure() {
        long n = 0;
        for (ColumnPart p : parts) {
            n += p.nullCount();
        }
        nullCount = n;
    }

    @Override
    public long offsetsBytes() {
        return kind == Kind.STRING ? (length + 1) * (wideOffsets ? 8 : 4) : 0;
    }

    @Override
    public long valuesBytes() {
        return switch (kind) {
            case Kind.BOOL -> (length + 7) >>> 3;
            case Kind.STRING -> dataStarts[parts.length];
            case Kind.DATE -> 4 * length;
            default -> 8 * length;
        };
    }

    @Override
    public void write(MemorySegment validity, MemorySegment offsets, MemorySegment values) {
        if (validity != null) {
            for (int k = 0; k < parts.length; k++) {
                ColumnPart p = parts[k];
                if (p.kind() == Kind.NULL) {
                    continue; // zero bits: null
                }
                if (p.validity() == null) {
                    setBits(validity, rowStarts[k], p.rows());
                } else {
                    copyBits(p.validity(), validity, rowStarts[k], p.rows());
                }
            }
        }
        if (kind == Kind.BOOL) {
            for (int k = 0; k < parts.length; k++) {
                if (parts[k].kind() == Kind.BOOL) {
                    copyBits(parts[k].values(), values, rowStarts[k], parts[k].rows());
                }
            }
            return;
        }
        IntStream.range(0, parts.length).parallel().forEach(k -> writePart(k, offsets, values));
        if (kind == Kind.STRING) {
            if (wideOffsets) {
                offsets.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, length, dataStarts[parts.length]);
            } else {
                offsets.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, length, (int) dataStarts[parts.length]);
            }
        }
    }

    @Override
    protected void writeValues(MemorySegment offsets, MemorySegment values) {
        throw new AssertionError("unused: write is overridden");
    }

    private void writePart(int k, MemorySegment offsets, MemorySegment values) {
        // Blocks through heap arrays and bulk copies, no access per value to a segment: a put from
        // the CLI runs this on cold code, where a segment access per value costs a chain of
        // method-handle calls (it was the largest part of a 20 MB put's profile).
        ColumnPart p = parts[k];
        int n = p.rows();
        long r0 = rowStarts[k];
        MemorySegment src = p.values();
        if (kind == Kind.STRING) {
            writeOffsets(p, dataStarts[k], r0, offsets);
            if (p.kind() == Kind.STRING) {
                MemorySegment.copy(src, 0, values, dataStarts[k], src.byteSize());
            }
            return;
        }
        byte from = p.kind();
        if (kind == Kind.DATE) {
            if (from == Kind.DATE) { // int32 days (the parser keeps them as longs)
                long[] in = new long[Math.min(n, BLOCK)];
                int[] out = new int[in.length];
                for (int i = 0; i < n; i += BLOCK) {
                    int m = Math.min(BLOCK, n - i);
                    MemorySegment.copy(src, ValueLayout.JAVA_LONG_UNALIGNED, 8L * i, in, 0, m);
                    for (int j = 0; j < m; j++) {
                        out[j] = (int) in[j];
                    }
                    MemorySegment.copy(out, 0, values, ValueLayout.JAVA_INT_UNALIGNED, 4 * (r0 + i), m);
                }
            }
            return; // a part of nulls: zeros
        }
        long at = r0 * 8;
        if (from == Kind.NULL) {
            if (kind == Kind.FLOAT) {
                double[] nan = new double[Math.min(n, BLOCK)];
                Arrays.fill(nan, Double.NaN);
                for (int i = 0; i < n; i += BLOCK) {
                    MemorySegment.copy(nan, 0, values, ValueLayout.JAVA_DOUBLE_UNALIGNED, at + 8L * i,
                            Math.min(BLOCK, n - i));
                }
            }
            return; // zeros otherwise
        }
        long factor = conversion(from);
        if (from == kind) {
            MemorySegment.copy(src, 0, values, at, 8L * n);
            return;
        }
        MemorySegment valid = p.validity();
        long[] in = new long[Math.min(n, BLOCK)];
        double[] dout = kind == Kind.FLOAT ? new double[in.length] : null;
        byte[] bits = valid != null ? new byte[(in.length + 7) >>> 3] : null;
        for (int i = 0; i < n; i += BLOCK) { // BLOCK is a multiple of 8: a block starts on a validity byte
            int m = Math.min(BLOCK, n - i);
            MemorySegment.copy(src, ValueLayout.JAVA_LONG_UNALIGNED, 8L * i, in, 0, m);
            if (dout != null) {
                if (bits != null) {
                    MemorySegment.copy(valid, ValueLayout.JAVA_BYTE, i >>> 3, bits, 0, (m + 7) >>> 3);
                }
                for (int j = 0; j < m; j++) {
                    boolean isNull = bits != null && ((bits[j >>> 3] >> (j & 7)) & 1) == 0;
                    dout[j] = isNull ? Double.NaN : (double) in[j];
                }
                MemorySegment.copy(dout, 0, values, ValueLayout.JAVA_DOUBLE_UNALIGNED, at + 8L * i, m);
                continue;
            }
            for (int j = 0; j < m; j++) {
                long v = in[j];
                if (factor > 0) {
                    in[j] = v * factor;
                } else {
                    if (v % -factor != 0) {
                        throw new FrameFormatException("timestamp needs nanoseconds but its column holds dates "
                                + "outside 1677-2262: column=" + field.name() + ", row=" + (r0 + i + j + 1)
                                + "; store such values as text or round the column to microseconds");
                    }
                    in[j] = v / -factor;
                }
            }
            MemorySegment.copy(in, 0, values, ValueLayout.JAVA_LONG_UNALIGNED, at + 8L * i, m);
        }
    }

    /** A part's string offsets, shifted by {@code base} (where its bytes start in the column). */
    private void writeOffsets(ColumnPart p, long base, long r0, MemorySegment offsets) {
        int n = p.rows();
        boolean text = p.kind() == Kind.STRING;
        if (!wideOffsets && text && base == 0) {
            MemorySegment.copy(p.offsets(), 0, offsets, 4 * r0, 4L * n);
            return;
        }
        int[] in = new int[Math.min(n, BLOCK)];
        long[] wide = wideOffsets ? new long[in.length] : null;
        for (int i = 0; i < n; i += BLOCK) {
            int m = Math.min(BLOCK, n - i);
            if (text) {
                MemorySegment.copy(p.offsets(), ValueLayout.JAVA_INT_UNALIGNED, 4L * i, in, 0, m);
            } else {
                Arrays.fill(in, 0, m, 0);
            }
            if (wideOffsets) {
                for (int j = 0; j < m; j++) {
                    wide[j] = base + in[j];
                }
                MemorySegment.copy(wide, 0, offsets, ValueLayout.JAVA_LONG_UNALIGNED, 8 * (r0 + i), m);
            } else {
                int b = (int) base;
                for (int j = 0; j < m; j++) {
                    in[j] += b;
                }
                MemorySegment.copy(in, 0, offsets, ValueLayout.JAVA_INT_UNALIGNED, 4 * (r0 + i), m);
            }
        }
    }

    /** Multiplier from a part's stored unit to the column's (negative: divisor); 1 when equal. */
    private long conversion(byte from) {
        if (kind == Kind.FLOAT || from == kind) {
            return 1;
        }
        if (from == Kind.DATE) {
            return kind == Kind.TS ? CsvTime.NANOS_PER_DAY : 86_400_000_000L;
        }
        return -1000; // ns → us
    }

    /** Sets bits {@code [from, from + n)} of {@code dst} (zero-filled beyond what was written). */
    static void setBits(MemorySegment dst, long from, long n) {
        long i = from;
        long end = from + n;
        while (i < end && (i & 7) != 0) {
            or(dst, i >>> 3, 1 << (i & 7));
            i++;
        }
        long fullBytes = (end - i) >>> 3;
        if (fullBytes > 0) {
            dst.asSlice(i >>> 3, fullBytes).fill((byte) 0xFF);
            i += fullBytes << 3;
        }
        while (i < end) {
            or(dst, i >>> 3, 1 << (i & 7));
            i++;
        }
    }

    /**
     * ORs the first {@code n} bits of {@code src} into {@code dst} at bit {@code at}. The bytes of
     * {@code dst} after the one holding bit {@code at} must still be zero (parts are written in
     * order): they are written, not ORed, in blocks through a heap array.
     */
    static void copyBits(MemorySegment src, MemorySegment dst, long at, long n) {
        long bytes = (n + 7) >>> 3;
        if (bytes == 0) {
            return;
        }
        int shift = (int) (at & 7);
        long d = at >>> 3;
        byte[] in = new byte[(int) Math.min(bytes, BLOCK)];
        byte[] out = new byte[in.length];
        int carry = 0; // the high bits of the previous source byte
        for (long j0 = 0; j0 < bytes; j0 += in.length) {
            int m = (int) Math.min(in.length, bytes - j0);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, j0, in, 0, m);
            if (j0 + m == bytes) {
                in[m - 1] &= (byte) lastMask(bytes - 1, bytes, n);
            }
            for (int j = 0; j < m; j++) {
                int v = in[j] & 0xFF;
                out[j] = (byte) ((v << shift) | carry);
                carry = v >>> (8 - shift) & 0xFF; // shift 0: nothing carries
            }
            int first = 0;
            if (j0 == 0) {
                or(dst, d, out[0] & 0xFF); // shares its byte with the part before
                first = 1;
            }
            MemorySegment.copy(out, first, dst, ValueLayout.JAVA_BYTE, d + j0 + first, m - first);
        }
        if (carry != 0 && d + bytes < dst.byteSize()) {
            or(dst, d + bytes, carry);
        }
    }

    private static int lastMask(long j, long bytes, long n) {
        int rem = (int) (n & 7);
        return j == bytes - 1 && rem != 0 ? (1 << rem) - 1 : 0xFF;
    }

    private static void or(MemorySegment s, long i, int bits) {
        s.set(ValueLayout.JAVA_BYTE, i, (byte) (s.get(ValueLayout.JAVA_BYTE, i) | bits));
    }
}
