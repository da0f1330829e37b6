package io.shm4j.frame.internal.csv;

import io.shm4j.frame.ColumnType;
import io.shm4j.frame.FrameFormatException;
import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.ColumnSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.ZoneOffset;
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
        ColumnPart p = parts[k];
        int n = p.rows();
        long r0 = rowStarts[k];
        MemorySegment src = p.values();
        if (kind == Kind.STRING) {
            long base = dataStarts[k];
            for (int i = 0; i < n; i++) {
                long o = p.kind() == Kind.STRING ? base + p.offsets().getAtIndex(ValueLayout.JAVA_INT, i) : base;
                if (wideOffsets) {
                    offsets.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, r0 + i, o);
                } else {
                    offsets.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, r0 + i, (int) o);
                }
            }
            if (p.kind() == Kind.STRING) {
                MemorySegment.copy(src, 0, values, base, src.byteSize());
            }
            return;
        }
        byte from = p.kind();
        if (kind == Kind.DATE) {
            if (from == Kind.DATE) { // int32 days (the parser keeps them as longs)
                long at = r0 * 4;
                for (int i = 0; i < n; i++) {
                    values.set(ValueLayout.JAVA_INT_UNALIGNED, at + 4L * i, (int) src.getAtIndex(ValueLayout.JAVA_LONG, i));
                }
            }
            return; // a part of nulls: zeros
        }
        long at = r0 * 8;
        if (from == Kind.NULL) {
            if (kind == Kind.FLOAT) {
                for (int i = 0; i < n; i++) {
                    values.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, at + 8L * i, Double.NaN);
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
        for (int i = 0; i < n; i++) {
            long v = src.getAtIndex(ValueLayout.JAVA_LONG, i);
            if (kind == Kind.FLOAT) {
                boolean isNull = valid != null && ((valid.get(ValueLayout.JAVA_BYTE, i >>> 3) >> (i & 7)) & 1) == 0;
                values.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, at + 8L * i, isNull ? Double.NaN : (double) v);
            } else if (factor > 0) {
                values.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8L * i, v * factor);
            } else {
                if (v % -factor != 0) {
                    throw new FrameFormatException("timestamp needs nanoseconds but its column holds dates outside "
                            + "1677-2262: column=" + field.name() + ", row=" + (r0 + i + 1)
                            + "; store such values as text or round the column to microseconds");
                }
                values.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8L * i, v / -factor);
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

    /** ORs the first {@code n} bits of {@code src} into {@code dst} at bit {@code at}. */
    static void copyBits(MemorySegment src, MemorySegment dst, long at, long n) {
        long bytes = (n + 7) >>> 3;
        int shift = (int) (at & 7);
        long d = at >>> 3;
        if (shift == 0) {
            for (long j = 0; j < bytes; j++) {
                or(dst, d + j, src.get(ValueLayout.JAVA_BYTE, j) & 0xFF & lastMask(j, bytes, n));
            }
            return;
        }
        long size = dst.byteSize();
        for (long j = 0; j < bytes; j++) {
            int v = src.get(ValueLayout.JAVA_BYTE, j) & 0xFF & lastMask(j, bytes, n);
            or(dst, d + j, (v << shift) & 0xFF);
            int hi = v >>> (8 - shift);
            if (hi != 0 && d + j + 1 < size) {
                or(dst, d + j + 1, hi);
            }
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
