package io.shm4j.frame;

import io.shm4j.frame.internal.ArrowField;
import io.shm4j.frame.internal.Chunk;
import io.shm4j.frame.internal.ColumnSource;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.AbstractList;
import java.util.List;

/**
 * A string column: utf8 / large_utf8 / string_view (polars' default), or dictionary-encoded
 * (pandas {@code category}), read in place. {@link #get} decodes one value to a {@link String}; {@link #utf8} returns its bytes as a
 * zero-copy slice. Offsets and dictionary codes are checked on every access, so a corrupt file
 * raises {@link FrameFormatException}, never a read outside the buffers. Thread-safety and
 * ownership: see {@link Column}.
 */
public final class StringColumn extends Column {
    private final boolean category;
    private final boolean wide;
    private final boolean view;

    StringColumn(ArrowField field, Chunk[] chunks) {
        super(field, chunks);
        this.category = field.type() == ColumnType.CATEGORY;
        this.wide = field.offsetWidth() == 8;
        this.view = field.isView();
    }

    @Override
    StringColumn with(ArrowField newField, Chunk[] newChunks) {
        return new StringColumn(newField, newChunks);
    }

    @Override
    public StringColumn slice(long from, long to) {
        return (StringColumn) super.slice(from, to);
    }

    /** Whether this is a dictionary-encoded (category) column. */
    public boolean isCategory() {
        return category;
    }

    /** The value at {@code row}, or null. */
    public String get(long row) {
        MemorySegment b = utf8(row);
        return b == null ? null : ColumnSource.decodeUtf8(b);
    }

    /** The UTF-8 bytes at {@code row} as a read-only slice of the frame (zero copy), or null. */
    public MemorySegment utf8(long row) {
        int k = chunkOf(row);
        Chunk c = chunks[k];
        long j = row - starts[k];
        if (c.isNull(j)) {
            return null;
        }
        if (category) {
            long code = readInteger(c, j, field.indexType());
            Chunk d = c.dictionary();
            if (code < 0 || code >= d.length()) {
                throw new FrameFormatException("dictionary code out of range: column=" + name() + ", row=" + row
                        + ", code=" + code + ", dictionarySize=" + d.length());
            }
            return d.isNull(code) ? null : view ? viewBytes(d, d.offset() + code, name()) : bytes(d, code, wide, name());
        }
        if (view) {
            return viewBytes(c, c.offset() + j, name());
        }
        return bytes(c, j, wide, name());
    }

    /** The dictionary code at {@code row} (category columns only; -1 for null). */
    public long code(long row) {
        if (!category) {
            throw wrongType("code()", "a category column");
        }
        int k = chunkOf(row);
        Chunk c = chunks[k];
        long j = row - starts[k];
        return c.isNull(j) ? -1 : readInteger(c, j, field.indexType());
    }

    /** The categories (dictionary values) of a category column, decoded on access. */
    public List<String> categories() {
        if (!category) {
            throw wrongType("categories()", "a category column");
        }
        Chunk d = chunks.length == 0 ? null : chunks[0].dictionary();
        long n = d == null ? 0 : d.length();
        return new AbstractList<>() {
            @Override
            public String get(int i) {
                if (i < 0 || i >= n) {
                    throw new io.shm4j.OutOfBoundsException("category out of range: index=" + i + ", size=" + n);
                }
                return d.isNull(i) ? null
                        : ColumnSource.decodeUtf8(view ? viewBytes(d, d.offset() + i, name()) : bytes(d, i, wide, name()));
            }

            @Override
            public int size() {
                return Math.toIntExact(n);
            }
        };
    }

    @Override
    public Object getObject(long row) {
        return get(row);
    }

    /**
     * The bytes of element {@code e} of a view-layout chunk (string_view / binary_view): 16-byte
     * views holding a length, then either the bytes inline (length ≤ 12) or a prefix, a buffer
     * index and an offset into that variadic buffer. Checked on every access.
     */
    static MemorySegment viewBytes(Chunk c, long e, String column) {
        MemorySegment v = c.values();
        long base = e * 16;
        int len = v.get(ValueLayout.JAVA_INT_UNALIGNED, base);
        if (len >= 0 && len <= 12) {
            return v.asSlice(base + 4, len);
        }
        long ref = v.get(ValueLayout.JAVA_LONG_UNALIGNED, base + 8); // buffer index, then offset (little-endian)
        int buf = (int) ref;
        int off = (int) (ref >>> 32);
        MemorySegment[] data = c.variadic();
        if (len < 0 || buf < 0 || buf >= data.length || off < 0 || (long) off + len > data[buf].byteSize()) {
            throw new FrameFormatException("string view out of range: column=" + column + ", element=" + e
                    + ", length=" + len + ", buffer=" + buf + ", offset=" + off + ", buffers=" + data.length);
        }
        return data[buf].asSlice(off, len);
    }

    static MemorySegment bytes(Chunk c, long j, boolean wide, String column) {
        MemorySegment o = c.offsets();
        long e = c.offset() + j;
        long start = wide ? o.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, e) : o.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, e);
        long end = wide ? o.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, e + 1)
                : o.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, e + 1);
        MemorySegment data = c.values();
        if (start < 0 || end < start || end > data.byteSize()) {
            throw new FrameFormatException("string offsets out of range: column=" + column + ", element=" + e
                    + ", start=" + start + ", end=" + end + ", dataLength=" + data.byteSize());
        }
        return data.asSlice(start, end - start);
    }
}
