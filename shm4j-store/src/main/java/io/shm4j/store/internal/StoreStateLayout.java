package io.shm4j.store.internal;

import io.shm4j.store.ObjectStoreException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * The store's shared state file ({@code .shm4j-store.STORE/state}), mapped by every member.
 * Written once by the first opener (under the store lock) except for the counters, which are
 * 64-bit atomic adds. Little-endian (the host's order; the file never leaves the host).
 *
 * <pre>
 *   0                 8         12        16
 *   +-----------------+---------+---------+
 *   | magic SHM4JSTO  | version | spillLen|
 *   +-----------------+---------+---------+
 *  16  capacity        int64   bytes
 *  24  evictions       int64   objects dropped with no copy on disk
 *  32  evictedBytes    int64
 *  40  spills          int64   objects moved to disk
 *  48  spilledBytes    int64   bytes written to spill files
 *  56  restores        int64
 *  64  restoredBytes   int64
 *  72  recycledBytes   int64   bytes put or restored into a dropped object's pages
 *  80  (reserved, zero) .. 128
 * 128  spill directory, UTF-8, spillLen bytes (0: none)
 * 4096 end
 * </pre>
 */
final class StoreStateLayout {
    static final long MAGIC = 0x4F54534A344D4853L; // "SHM4JSTO" read little-endian
    static final int VERSION = 1;
    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 8;
    static final long SPILL_LENGTH_OFFSET = 12;
    static final long CAPACITY_OFFSET = 16;
    static final long EVICTIONS_OFFSET = 24;
    static final long EVICTED_BYTES_OFFSET = 32;
    static final long SPILLS_OFFSET = 40;
    static final long SPILLED_BYTES_OFFSET = 48;
    static final long RESTORES_OFFSET = 56;
    static final long RESTORED_BYTES_OFFSET = 64;
    static final long RECYCLED_BYTES_OFFSET = 72;
    static final long SPILL_DIR_OFFSET = 128;
    static final int SIZE = 4096;
    static final int MAX_SPILL_DIR_BYTES = SIZE - (int) SPILL_DIR_OFFSET;

    private StoreStateLayout() {}

    /** Checks magic, version and lengths; throws with the facts if the file is not a store state. */
    static void check(MemorySegment state, String store) {
        if (state.byteSize() < SIZE) {
            throw bad(store, "size=" + state.byteSize() + ", expected=" + SIZE);
        }
        long magic = state.get(ValueLayout.JAVA_LONG_UNALIGNED, MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw bad(store, "magic=0x" + Long.toHexString(magic));
        }
        int version = state.get(ValueLayout.JAVA_INT_UNALIGNED, VERSION_OFFSET);
        if (version != VERSION) {
            throw bad(store, "version=" + version + ", supported=" + VERSION);
        }
        int spillLen = state.get(ValueLayout.JAVA_INT_UNALIGNED, SPILL_LENGTH_OFFSET);
        if (spillLen < 0 || spillLen > MAX_SPILL_DIR_BYTES) {
            throw bad(store, "spillLen=" + spillLen);
        }
    }

    static byte[] encodeSpillDir(String dir) {
        byte[] b = dir.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_SPILL_DIR_BYTES) {
            throw new IllegalArgumentException("spill directory path too long: length=" + b.length
                    + " bytes, max=" + MAX_SPILL_DIR_BYTES);
        }
        return b;
    }

    private static ObjectStoreException bad(String store, String fact) {
        return new ObjectStoreException("damaged store state: store=" + store + ", " + fact
                + "; close every process using the store, or run `shm4j gc`, and open it again");
    }
}
