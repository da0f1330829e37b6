package io.shm4j.list;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The layout of CPython's {@code multiprocessing.shared_memory.ShareableList} (3.8 and later,
 * unchanged through 3.13), in native byte order:
 *
 * <pre>
 *  0               8                                    D = 8 (N + 2)
 *  +---------------+------------------------------------+------------------------------+
 *  | N: int64      | offsets[0..N]: int64, offsets[0]=0 | data: item i in              |
 *  | item count    | item i at D + offsets[i]           | [D + off[i], D + off[i+1])   |
 *  +---------------+------------------------------------+------------------------------+
 *  F = D + offsets[N]              C = F + 8 N          C + N = size
 *  +-------------------------------+--------------------+
 *  | formats: N x 8 bytes, ASCII,  | codes: N x int8    |
 *  | NUL-padded struct formats     | back transforms    |
 *  +-------------------------------+--------------------+
 * </pre>
 *
 * Slots are fixed at creation: 8 bytes for an int, float, bool or None; for a string or byte
 * string of {@code b} encoded bytes, {@code 8 (b / 8 + 1)} bytes (always at least one NUL).
 * Formats and codes: see {@link ItemType}. The offsets never change after creation; an item's
 * format and code change when a value of another type is stored in its slot.
 *
 * <p>Not instantiable; the checks run on every attach, so a foreign or damaged segment is a
 * {@link ListFormatException}, never an out-of-range access.
 */
final class ShareableListLayout {
    /** Slot alignment and the size of every fixed-size slot and format field. */
    static final int ALIGNMENT = 8;
    /** Longest format CPython accepts ({@code struct} format of at most 8 characters). */
    static final int FORMAT_BYTES = 8;
    /** The largest string slot whose format {@code <k>s} still fits 8 characters. */
    static final int MAX_STRING_SLOT = 9_999_992;

    private ShareableListLayout() {}

    /** Offset of item data: after the count and the N + 1 offsets. */
    static long dataStart(int count) {
        return (count + 2L) * 8;
    }

    /** Total bytes of a list of {@code count} items with {@code dataBytes} of slots. */
    static long size(int count, long dataBytes) {
        return dataStart(count) + dataBytes + (long) FORMAT_BYTES * count + count;
    }

    /** The slot a value of {@code type} with {@code encodedBytes} bytes gets at creation. */
    static int slotBytes(ItemType type, int encodedBytes) {
        return type.isVariable() ? ALIGNMENT * (encodedBytes / ALIGNMENT + 1) : ALIGNMENT;
    }

    /**
     * Reads and checks the header of a list segment: the count, the offsets and every item's
     * format and code.
     *
     * @return the offsets, {@code count + 1} of them
     * @throws ListFormatException if the bytes are not a {@code ShareableList}
     */
    static long[] check(MemorySegment memory, String name) {
        long size = memory.byteSize();
        if (size < 8) {
            throw bad(name, "too small for an item count: size=" + size);
        }
        long count = memory.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        // Every item needs 8 offset bytes, 8 format bytes and a code byte at least.
        if (count < 0 || count > (size - 16) / 17) {
            throw bad(name, "item count out of range: count=" + count + ", size=" + size);
        }
        int n = (int) count;
        long[] offsets = new long[n + 1];
        MemorySegment.copy(memory, ValueLayout.JAVA_LONG_UNALIGNED, 8, offsets, 0, n + 1);
        if (offsets[0] != 0) {
            throw bad(name, "first offset is not 0: offsets[0]=" + offsets[0]);
        }
        long limit = size - dataStart(n) - (long) FORMAT_BYTES * n - n;
        for (int i = 0; i < n; i++) {
            long slot = offsets[i + 1] - offsets[i];
            if (slot < ALIGNMENT || slot % ALIGNMENT != 0 || offsets[i + 1] > limit) {
                throw bad(name, "item slot out of range: index=" + i + ", offset=" + offsets[i]
                        + ", next=" + offsets[i + 1] + ", dataLimit=" + limit);
            }
        }
        if (offsets[n] > limit) {
            throw bad(name, "data area out of range: dataBytes=" + offsets[n] + ", dataLimit=" + limit);
        }
        return offsets;
    }

    static ListFormatException bad(String name, String facts) {
        return new ListFormatException("not a ShareableList: name=" + name + ", " + facts
                + "; attach it as a raw segment (Segment.attach) if it holds other bytes");
    }
}
