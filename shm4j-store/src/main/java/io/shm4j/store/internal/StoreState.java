package io.shm4j.store.internal;

import static io.shm4j.store.internal.StoreStateLayout.*;

import io.shm4j.store.ObjectStoreException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A view of a store's {@link StoreStateLayout state file}: the mapping a member keeps, or a
 * copy read for inspection.
 *
 * <p>Thread-safe and process-safe: the fixed fields are written before any other process can
 * see the file (under the store lock, before the creator's member file exists); counters are
 * updated with atomic adds on the shared mapping. Ownership: the member's {@code StoreClient}
 * closes the mapping's arena.
 */
final class StoreState {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private final MemorySegment memory;

    private StoreState(MemorySegment memory) {
        this.memory = memory;
    }

    /** Creates (replacing) the state file and maps it in {@code arena}. */
    static StoreState create(Path file, long capacity, Path spillDir, Arena arena) throws IOException {
        byte[] spill = spillDir == null ? new byte[0] : encodeSpillDir(spillDir.toString());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.truncate(0);
            MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, SIZE, arena);
            m.fill((byte) 0);
            m.set(ValueLayout.JAVA_INT_UNALIGNED, VERSION_OFFSET, VERSION);
            m.set(ValueLayout.JAVA_INT_UNALIGNED, SPILL_LENGTH_OFFSET, spill.length);
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, CAPACITY_OFFSET, capacity);
            MemorySegment.copy(spill, 0, m, ValueLayout.JAVA_BYTE, SPILL_DIR_OFFSET, spill.length);
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, MAGIC_OFFSET, MAGIC); // last: marks it complete
            return new StoreState(m);
        }
    }

    /** Maps an existing state file read-write in {@code arena}. */
    static StoreState map(Path file, String store, Arena arena) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (ch.size() < SIZE) {
                throw new ObjectStoreException("damaged store state: store=" + store + ", size="
                        + ch.size() + "; close every process using the store and open it again");
            }
            MemorySegment m = ch.map(FileChannel.MapMode.READ_WRITE, 0, SIZE, arena);
            check(m, store);
            return new StoreState(m);
        }
    }

    /** Reads a copy of the state file (no mapping), or empty if there is none. */
    static Optional<StoreState> read(Path file, String store) {
        try {
            if (!Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
                throw new ObjectStoreException("damaged store state: store=" + store + ", file=" + file
                        + " is not a regular file; remove the store directory");
            }
            byte[] b = Files.readAllBytes(file);
            // A long[] backing keeps the counters 8-byte aligned for the var handle.
            MemorySegment m = MemorySegment.ofArray(new long[(b.length + 7) / 8]);
            MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, 0, b.length);
            check(m, store);
            return Optional.of(new StoreState(m));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read store state: store=" + store + ", file=" + file
                    + ", error=" + e, e);
        }
    }

    long capacity() {
        return memory.get(ValueLayout.JAVA_LONG_UNALIGNED, CAPACITY_OFFSET);
    }

    /** The spill directory, or null. */
    Path spillDirectory() {
        int len = memory.get(ValueLayout.JAVA_INT_UNALIGNED, SPILL_LENGTH_OFFSET);
        if (len == 0) {
            return null;
        }
        byte[] b = memory.asSlice(SPILL_DIR_OFFSET, len).toArray(ValueLayout.JAVA_BYTE);
        return Path.of(new String(b, StandardCharsets.UTF_8));
    }

    /** Adds to a counter (one of the {@code *_OFFSET} counters of the layout), atomically. */
    void add(long counterOffset, long delta) {
        long unused = (long) LONG.getAndAdd(memory, counterOffset, delta);
    }

    long counter(long counterOffset) {
        return (long) LONG.getVolatile(memory, counterOffset);
    }
}
