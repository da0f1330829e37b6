package io.shm4j.pool;

import io.shm4j.segment.SegmentRef;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One row range of a shared object, as sent to a task: the object's ref (never its data) and
 * the half-open range {@code [start, end)}.
 *
 * @param ref the shared object (array, frame or raw segment)
 * @param index the chunk's position among all chunks (0-based)
 * @param start first row, inclusive
 * @param end last row, exclusive
 */
public record RowChunk(SegmentRef ref, int index, long start, long end) implements Serializable {
    public RowChunk {
        Objects.requireNonNull(ref, "ref");
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad row range: start=" + start + ", end=" + end);
        }
    }

    /** The number of rows. */
    public long rows() {
        return end - start;
    }

    /**
     * Splits {@code rowCount} rows into {@code parts} contiguous chunks whose sizes differ by at
     * most one row; fewer chunks when there are fewer rows than parts (none for zero rows).
     */
    public static List<RowChunk> split(SegmentRef ref, long rowCount, int parts) {
        if (rowCount < 0) {
            throw new IllegalArgumentException("rowCount must be >= 0: rowCount=" + rowCount);
        }
        if (parts < 1) {
            throw new IllegalArgumentException("parts must be >= 1: parts=" + parts);
        }
        int n = (int) Math.min(parts, rowCount);
        List<RowChunk> out = new ArrayList<>(n);
        long base = n == 0 ? 0 : rowCount / n;
        long extra = n == 0 ? 0 : rowCount % n;
        long start = 0;
        for (int i = 0; i < n; i++) {
            long end = start + base + (i < extra ? 1 : 0);
            out.add(new RowChunk(ref, i, start, end));
            start = end;
        }
        return out;
    }
}
