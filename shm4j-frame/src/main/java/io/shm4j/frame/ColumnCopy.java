package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.ArrowFileLayout;
import io.shm4j.frame.internal.Chunk;
import io.shm4j.frame.internal.ColumnSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A column source that copies an existing column view (any chunking, any slice) into a new
 * frame: bulk copies for fixed-width values, element by element for bits, strings and
 * dictionary codes (widened to int32). Not thread-safe; used once.
 */
final class ColumnCopy extends ColumnSource {
    private final Column col;
    private ArrowField sized;
    private long dataBytes;
    private ColumnSource dictionary;

    ColumnCopy(String name, Column col) {
        super(fieldFor(name, col), col.length(), col::isNull);
        this.col = col;
        this.sized = field;
    }

    private static ArrowField fieldFor(String name, Column c) {
        ArrowField f = c.field;
        return switch (f.type()) {
            case CATEGORY -> ArrowField.category(name, ColumnType.INT32, 0, f.ordered());
            case STRING -> ArrowField.of(name, ColumnType.STRING); // string_view is copied as utf8
            case LIST, STRUCT -> throw notCopyable(name, c);
            case BINARY -> f.isFixedSizeBinary() ? f.withName(name) : ArrowField.binary(name, 4); // binary_view as binary
            default -> f.isDictionary() ? new ArrowField(name, f.type(), true, f.unit(), f.timeZone(), 0, null, -1,
                    false, f.extra()) : f.withName(name);
        };
    }

    private static UnsupportedArrowTypeException notCopyable(String name, Column c) {
        return new UnsupportedArrowTypeException("cannot copy this column type into a new frame yet: column=" + name
                + ", type=" + c.arrowType() + "; `shm4j put` / SharedFrame.putFile keep it when putting the whole file,"
                + " or select the other columns");
    }

    @Override
    public ArrowField field() {
        return sized;
    }

    /** Dictionary-encoded numbers, decoded value by value into plain values. */
    private void writeDecoded(MemorySegment dst) {
        if (col instanceof LongColumn l) {
            for (long i = 0; i < length; i++) {
                long v = l.get(i);
                switch (sized.valueWidth()) {
                    case 8 -> dst.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, v);
                    case 4 -> dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) v);
                    case 2 -> dst.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) v);
                    default -> dst.set(ValueLayout.JAVA_BYTE, i, (byte) v);
                }
            }
        } else {
            DoubleColumn d = (DoubleColumn) col;
            for (long i = 0; i < length; i++) {
                double v = d.get(i);
                switch (sized.type()) {
                    case FLOAT64 -> dst.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, v);
                    case FLOAT32 -> dst.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) v);
                    default -> dst.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16((float) v));
                }
            }
        }
    }

    @Override
    public void measure() {
        nullCount = col.nullCount();
        if (field.hasOffsets()) {
            long bytes = 0;
            for (long i = 0; i < length; i++) {
                MemorySegment b = bytesAt(i);
                bytes += b == null ? 0 : b.byteSize();
            }
            dataBytes = bytes;
            sized = field.withOffsetWidth(bytes > Integer.MAX_VALUE ? 8 : 4);
        } else if (col instanceof StringColumn s) {
            List<String> cats = s.categories();
            dictionary = ColumnSource.ofStrings(ArrowField.of(field.name(), ColumnType.STRING), cats.size(),
                    i -> cats.get((int) i));
            dictionary.measure();
            sized = field.withOffsetWidth(dictionary.field().offsetWidth());
        }
    }

    /** The bytes of a utf8 or variable binary value, or null. */
    private MemorySegment bytesAt(long i) {
        return col instanceof StringColumn s ? s.utf8(i) : ((BinaryColumn) col).bytes(i);
    }

    @Override
    public ColumnSource dictionary() {
        return dictionary;
    }

    @Override
    public long offsetsBytes() {
        return sized.hasOffsets() ? (length + 1) * sized.offsetWidth() : 0;
    }

    @Override
    public long valuesBytes() {
        if (sized.hasOffsets()) {
            return dataBytes;
        }
        return switch (sized.type()) {
            case CATEGORY -> length * 4;
            case BOOL -> ArrowFileLayout.bitmapBytes(length);
            default -> length * sized.valueWidth();
        };
    }

    @Override
    protected void writeValues(MemorySegment offsets, MemorySegment dst) {
        switch (sized.type()) {
            case BOOL -> {
                BoolColumn b = (BoolColumn) col;
                writeBitmap(dst, length, b::get);
            }
            case STRING, BINARY -> {
                if (!sized.hasOffsets()) {
                    copyFixed(dst);
                    return;
                }
                boolean wide = sized.offsetWidth() == 8;
                long pos = 0;
                for (long i = 0; i <= length; i++) {
                    ColumnSource.putOffset(offsets, wide, i, pos);
                    if (i < length) {
                        MemorySegment b = bytesAt(i);
                        if (b != null) {
                            MemorySegment.copy(b, 0, dst, pos, b.byteSize());
                            pos += b.byteSize();
                        }
                    }
                }
            }
            case CATEGORY -> {
                StringColumn s = (StringColumn) col;
                for (long i = 0; i < length; i++) {
                    dst.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, (int) Math.max(0, s.code(i)));
                }
            }
            default -> {
                if (col.field.isDictionary()) {
                    writeDecoded(dst);
                    return;
                }
                copyFixed(dst);
            }
        }
    }

    private void copyFixed(MemorySegment dst) {
        long w = sized.valueWidth();
        long at = 0;
        for (Chunk c : col.chunks) {
            MemorySegment.copy(c.values(), c.offset() * w, dst, at * w, c.length() * w);
            at += c.length();
        }
    }
}
