package io.shm4j.store;

import io.shm4j.testkit.TestNames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/** Shared helpers of the store tests: configs with small capacities, checksummed payloads. */
final class StoreTesting {
    static final long KB = 1024;

    private StoreTesting() {}

    /** A fresh store name (objects named after it are attributed to this test JVM by the leak check). */
    static ObjectStoreConfig config(String hint, long capacity) {
        return ObjectStoreConfig.named(TestNames.unique(hint)).withCapacity(capacity);
    }

    static ObjectStoreConfig spilling(String hint, long capacity, Path spillDir) {
        return config(hint, capacity).withSpillDirectory(spillDir);
    }

    /** Random bytes whose first 8 bytes are the CRC32C of the rest. */
    static byte[] checksummed(long seed, int size) {
        byte[] b = new byte[Math.max(size, 8)];
        new SplittableRandom(seed).nextBytes(b);
        CRC32C crc = new CRC32C();
        crc.update(b, 8, b.length - 8);
        java.nio.ByteBuffer.wrap(b).putLong(0, crc.getValue());
        return b;
    }

    /** Whether a payload made by {@link #checksummed} is intact. */
    static boolean intact(MemorySegment s) {
        if (s.byteSize() < 8) {
            return false;
        }
        CRC32C crc = new CRC32C();
        crc.update(s.asSlice(8).asByteBuffer());
        return s.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0) == crc.getValue();
    }

    static MemorySegment offHeap(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }
}
