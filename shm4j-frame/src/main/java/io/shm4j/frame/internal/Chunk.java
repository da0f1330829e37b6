package io.shm4j.frame.internal;

import java.lang.foreign.MemorySegment;

/**
 * One Arrow array: the part of a column in one record batch, viewed in place. The buffers are
 * slices of the mapped segment whose ranges were checked when the file was opened; this chunk
 * covers elements {@code [offset, offset + length)} of them (a row slice only moves the window).
 *
 * <p>Immutable; safe to share between threads. Owns nothing: the mapping belongs to the frame.
 *
 * @param length number of elements
 * @param nullCount nulls among them, or -1 when not known (after slicing; computed on demand)
 * @param offset first element in the buffers
 * @param validity validity bitmap (bit set = valid, least significant bit first), or null when
 *     there are no nulls — or when every element is null ({@code nullCount == length}, Arrow's
 *     {@code null} type)
 * @param offsets string, binary or list offsets (int32 or int64 per {@link ArrowField#offsetWidth()}), or null
 * @param values values: fixed-width values, bits for bool, UTF-8 bytes for strings, indices for
 *     dictionaries, 16-byte views for string_view/binary_view, empty for struct
 * @param dictionary the dictionary (dictionary-encoded columns only, else null)
 * @param children the child arrays: list (one, not windowed: the offsets index it), struct (one
 *     per field, windowed like this chunk); empty for other types
 * @param variadic the data buffers of string_view/binary_view (else empty)
 */
public record Chunk(long length, long nullCount, long offset, MemorySegment validity,
        MemorySegment offsets, MemorySegment values, Chunk dictionary, Chunk[] children, MemorySegment[] variadic) {
    /**
     * Rows per call of a column scan (a sum, a count): scans run in calls over blocks of rows
     * because closing any shared arena of the process (another thread closing a frame or an
     * array) makes HotSpot deoptimize the top frame of a thread in compiled code with
     * memory-segment accesses, so a scan in one loop over a long chunk would go on in the
     * interpreter; in calls it loses one block. A multiple of 64: blocks of a validity bitmap
     * are whole words. Each call carries the running value: the results are those of one loop.
     */
    public static final long SCAN_BLOCK = 4096;

    private static final Chunk[] NO_CHILDREN = {};
    private static final MemorySegment[] NO_BUFFERS = {};

    /** A chunk of a flat type. */
    public Chunk(long length, long nullCount, long offset, MemorySegment validity,
            MemorySegment offsets, MemorySegment values, Chunk dictionary) {
        this(length, nullCount, offset, validity, offsets, values, dictionary, NO_CHILDREN, NO_BUFFERS);
    }

    /** Elements {@code [from, to)} of this chunk (relative to it). */
    public Chunk slice(long from, long to) {
        if (from == 0 && to == length) {
            return this;
        }
        long nulls = validity == null ? (allNull() ? to - from : 0) : -1;
        Chunk[] kids = children;
        if (offsets == null && kids.length > 0) { // struct: children are windowed with the parent
            kids = new Chunk[children.length];
            for (int i = 0; i < kids.length; i++) {
                kids[i] = children[i].slice(from, to);
            }
        }
        return new Chunk(to - from, nulls, offset + from, validity, offsets, values, dictionary, kids, variadic);
    }

    /** Whether element {@code j} (relative to this chunk) is null. */
    public boolean isNull(long j) {
        if (validity == null) {
            return allNull();
        }
        long bit = offset + j;
        return ((validity.get(java.lang.foreign.ValueLayout.JAVA_BYTE, bit >>> 3) >> (bit & 7)) & 1) == 0;
    }

    private boolean allNull() {
        return nullCount == length && length > 0;
    }

    /** The null count, counting bits if it is not known. */
    public long countNulls() {
        if (nullCount >= 0) {
            return nullCount;
        }
        long n = 0;
        for (long j = 0; j < length; j += SCAN_BLOCK) {
            n += countNulls(j, Math.min(length, j + SCAN_BLOCK));
        }
        return n;
    }

    private long countNulls(long from, long to) {
        long n = 0;
        for (long j = from; j < to; j++) {
            if (isNull(j)) {
                n++;
            }
        }
        return n;
    }
}
