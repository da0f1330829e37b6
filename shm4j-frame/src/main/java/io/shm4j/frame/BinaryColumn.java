package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A byte-string column: Arrow {@code binary}, {@code large_binary}, {@code fixed_size_binary[n]}
 * or {@code binary_view}, read in place. {@link #bytes} returns a zero-copy slice. Text (head,
 * CSV) decodes the bytes as UTF-8, as pyarrow's CSV writer shows valid UTF-8; invalid sequences
 * become U+FFFD. Offsets and views are checked on every access. Thread-safety and ownership: see
 * {@link Column}.
 */
public final class BinaryColumn extends Column {
    BinaryColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
    }

    @Override
    BinaryColumn with(ArrowField newField, Chunk[] newChunks) {
        return new BinaryColumn(newField, newChunks);
    }

    @Override
    public BinaryColumn slice(long from, long to) {
        return (BinaryColumn) super.slice(from, to);
    }

    /** The width of a fixed_size_binary column, else -1. */
    public int fixedWidth() {
        return field.isFixedSizeBinary() ? field.valueWidth() : -1;
    }

    /** The bytes at {@code row} as a read-only slice of the frame (zero copy), or null. */
    public MemorySegment bytes(long row) {
        int k = chunkOf(row);
        Chunk c = chunks[k];
        long j = row - starts[k];
        if (c.isNull(j)) {
            return null;
        }
        if (field.isView()) {
            return StringColumn.viewBytes(c, c.offset() + j, name());
        }
        if (field.isFixedSizeBinary()) {
            long w = field.valueWidth();
            return c.values().asSlice((c.offset() + j) * w, w);
        }
        return StringColumn.bytes(c, j, field.offsetWidth() == 8, name());
    }

    /** The bytes at {@code row} copied to a new array, or null. */
    public byte[] get(long row) {
        MemorySegment b = bytes(row);
        return b == null ? null : b.toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public Object getObject(long row) {
        return get(row);
    }

    @Override
    public String format(long row) {
        byte[] b = get(row);
        return b == null ? "" : new String(b, StandardCharsets.UTF_8);
    }
}
