package io.shm4j.array;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Converts big-endian {@code .npy} data to little-endian in place (what {@code put} does). Stateless. */
final class ByteOrders {
    private static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort LE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ByteOrders() {}

    /** Swaps every big-endian number of an array's data (all of it, {@code h.dataBytes()} bytes). */
    static void toLittleEndian(NpyHeader h, MemorySegment data) {
        if (h.recordType() == null) {
            swap(data, 0, unit(h.dtype()), data.byteSize());
            return;
        }
        long n = h.elementCount();
        int item = h.itemSize();
        for (RecordType.Field f : h.recordType().fields()) {
            if (!f.bigEndian()) {
                continue;
            }
            int unit = f.dtype() == null ? 4 : unit(f.dtype());
            for (long r = 0; r < n; r++) {
                swap(data, r * item + f.offset(), unit, f.size());
            }
        }
    }

    /** The width of one swapped number: the item size, half of it for complex. */
    private static int unit(DType t) {
        return t.kind() == DType.Kind.COMPLEX ? t.itemSize() / 2 : t.itemSize();
    }

    private static void swap(MemorySegment s, long from, int unit, long bytes) {
        long end = from + bytes;
        switch (unit) {
            case 8 -> {
                for (long o = from; o < end; o += 8) {
                    s.set(LE64, o, s.get(BE64, o));
                }
            }
            case 4 -> {
                for (long o = from; o < end; o += 4) {
                    s.set(LE32, o, s.get(BE32, o));
                }
            }
            case 2 -> {
                for (long o = from; o < end; o += 2) {
                    s.set(LE16, o, s.get(BE16, o));
                }
            }
            default -> { } // bytes have no order
        }
    }
}
