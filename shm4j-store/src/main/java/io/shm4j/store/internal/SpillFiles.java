package io.shm4j.store.internal;

import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.internal.Native;
import io.shm4j.segment.internal.Uninterruptibly;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Writes and reads {@link SpillFileLayout spill files}: one sequential pass each, CRC32C
 * computed in the same pass (on the chunk just written or read, while it is in cache).
 *
 * <p>Thread-safe (stateless). Called without the store lock: the caller has marked the object
 * under it (a reservation under the object's id), so one object is spilled or restored by one
 * process at a time, and commits under it afterwards.
 */
final class SpillFiles {
    /**
     * Bytes per write/read call: large enough for sequential speed, small enough that the chunk
     * just read is still in the CPU cache when the CRC32C runs over it (1 MiB: the restore's CRC
     * pass costs half what it does with 8 MiB chunks; measured on 500 MB).
     */
    static final int CHUNK = 1 << 20;

    private SpillFiles() {}

    /**
     * System property, read at each spill: {@code false} leaves the writeback of spill files to
     * the kernel's own pace instead of {@linkplain WriteBehind writing them behind}.
     */
    static final String WRITE_BEHIND_PROPERTY = "shm4j.store.writeBehind";

    /**
     * Copies {@code size} bytes of {@code source} (an object's file) to {@code temp} and renames
     * it to {@code target}; returns the CRC32C. Each chunk is read into a small reused native
     * buffer ({@code pread}: the kernel copies from the object's pages, which are never mapped
     * here — on this project's VM the first touch of a 4 KiB page through a mapping, by the user
     * or by the kernel, costs more than copying it), checksummed while in cache, and written
     * behind ({@link WriteBehind}). From {@value #PIPELINE_MIN} bytes reading and writing are a
     * two-stage pipeline ({@link #pipe}).
     */
    static long write(Path target, Path temp, FileChannel source, long size, ObjectXattrs.Metadata meta)
            throws IOException {
        CRC32C crc = new CRC32C();
        try (Arena arena = Arena.ofShared();
                FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                WriteBehind behind = WriteBehind.open(temp)) {
            pipe(size, arena, true, (off, buffer) -> {
                ByteBuffer chunk = buffer.asByteBuffer();
                while (chunk.hasRemaining()) {
                    if (source.read(chunk, off + chunk.position()) < 0) {
                        throw new java.io.EOFException("object file shorter than its size: size=" + size
                                + ", offset=" + (off + chunk.position()));
                    }
                }
                crc.update(chunk.flip());
            }, (off, buffer) -> {
                ByteBuffer chunk = buffer.asByteBuffer();
                long pos = SpillFileLayout.HEADER_SIZE + off;
                while (chunk.hasRemaining()) {
                    pos += ch.write(chunk, pos);
                }
                behind.written(pos);
            });
            ByteBuffer header = SpillFileLayout.encode(meta, size, crc.getValue());
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
            behind.finished();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return crc.getValue();
    }

    /**
     * Writes a file behind its writer: each time another {@value #WINDOW} bytes are written, their
     * writeback starts ({@code sync_file_range(WRITE)}), and the window before is waited for and
     * dropped from the page cache ({@code posix_fadvise(DONTNEED)}). A spill then streams to the
     * disk while it is written instead of leaving it all to the end, and takes two windows of page
     * cache instead of the whole object — a spill exists to give memory back, and on this
     * project's VM, page-cache pages that were free for long cost up to 5x the write (the host
     * took them back), while the window's pages are the ones just dropped. Measured for 500 MB:
     * written behind 390-400 ms until synced, against 500-620 ms written then {@code fdatasync}ed.
     * A file system that refuses the calls gets plain writes.
     */
    private static final class WriteBehind implements AutoCloseable {
        static final long WINDOW = 8L << 20;
        private int fd;
        private long started; // bytes [0, started) have their writeback started

        private WriteBehind(int fd) {
            this.fd = fd;
        }

        static WriteBehind open(Path file) {
            if ("false".equalsIgnoreCase(System.getProperty(WRITE_BEHIND_PROPERTY, "true").trim())) {
                return new WriteBehind(-1);
            }
            try {
                return new WriteBehind(Native.openExisting(file.toString(), true));
            } catch (Native.ErrnoException e) {
                return new WriteBehind(-1);
            }
        }

        /** Bytes up to {@code end} are written (sequentially, from the start). */
        void written(long end) throws IOException {
            while (fd >= 0 && end - started >= WINDOW) {
                try {
                    Native.syncFileRange(fd, started, WINDOW, Native.SYNC_FILE_RANGE_WRITE);
                    if (started >= WINDOW) {
                        long previous = started - WINDOW;
                        Native.syncFileRange(fd, previous, WINDOW, Native.SYNC_FILE_RANGE_WAIT_BEFORE
                                | Native.SYNC_FILE_RANGE_WRITE | Native.SYNC_FILE_RANGE_WAIT_AFTER);
                        Native.dropCached(fd, previous, WINDOW);
                    }
                } catch (Native.ErrnoException e) {
                    throwUnlessUnsupported(e);
                    close(); // not supported here: plain writes from now on
                    return;
                }
                started += WINDOW;
            }
        }

        /**
         * Everything is written: starts the writeback of what is left (the last window, the
         * header) without waiting for it, so a later sync finds little to do.
         */
        void finished() throws IOException {
            if (fd >= 0) {
                try {
                    Native.syncFileRange(fd, 0, 0, Native.SYNC_FILE_RANGE_WRITE); // 0 length: to the end
                } catch (Native.ErrnoException e) {
                    throwUnlessUnsupported(e);
                }
            }
        }

        /** Returns if {@code e} says the calls are not supported here; throws if a write failed. */
        private static void throwUnlessUnsupported(Native.ErrnoException e) throws IOException {
            int errno = e.errno();
            if (errno != Native.EINVAL && errno != Native.ESPIPE && errno != Native.ENOSYS && errno != Native.EOPNOTSUPP) {
                throw new IOException("cannot write spill file: error=" + Native.strerror(errno), e);
            }
        }

        @Override
        public void close() {
            if (fd >= 0) {
                Native.close(fd);
                fd = -1;
            }
        }
    }

    static SpillFileLayout.Header readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(SpillFileLayout.HEADER_SIZE);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // keep reading
            }
            b.flip();
            return SpillFileLayout.decode(b, ch.size(), file);
        }
    }

    /**
     * Payloads at least this large are restored by two threads where the machine has two cores:
     * this one reads and checks, a helper writes ({@link #readPayload}).
     */
    static final long PIPELINE_MIN = 32L << 20;
    /** System property, read at each spill and restore: {@code false} keeps them on one thread. */
    static final String PIPELINE_PROPERTY = "shm4j.store.ioPipeline";
    /** Chunks in flight between the reading and the writing thread. */
    private static final int PIPELINE_DEPTH = 4;

    /**
     * Reads the payload into {@code target} (exactly {@code header.payloadLength()} bytes) and
     * checks its CRC32C: each chunk is read into a small reused native buffer (in cache for the
     * CRC) and written into the object's file by the kernel ({@link PendingSegment#write}), so
     * the object's fresh pages are never faulted in through a mapping. A payload of at least
     * {@value #PIPELINE_MIN} bytes on a machine with two cores or more is a pipeline: this thread
     * reads and checksums chunk after chunk while a helper thread writes the ones before
     * ({@value #PIPELINE_DEPTH} buffers in flight), so a restore costs about the larger of the
     * two passes rather than their sum.
     *
     * @throws io.shm4j.store.SpillCorruptedException on a short file or a checksum mismatch
     */
    static void readPayload(Path file, SpillFileLayout.Header header, PendingSegment target) throws IOException {
        readPayload(file, header, target, false);
    }

    /**
     * Like {@link #readPayload(Path, SpillFileLayout.Header, PendingSegment)}; with
     * {@code throughMapping} (the target is a kept mapping whose every page this process has
     * touched: its page-table entries exist), each chunk is read straight into the target's
     * memory and checksummed there — one copy instead of two, no helper thread.
     */
    static void readPayload(Path file, SpillFileLayout.Header header, PendingSegment target, boolean throughMapping)
            throws IOException {
        long size = header.payloadLength();
        CRC32C crc = new CRC32C();
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (throughMapping) {
                MemorySegment memory = target.memory();
                for (long off = 0; off < size; off += CHUNK) {
                    readChunk(file, ch, memory.asSlice(off, Math.min(CHUNK, size - off)), off, crc);
                }
            } else {
                pipe(size, arena, true, (off, buffer) -> readChunk(file, ch, buffer, off, crc), target::write);
            }
        }
        if (crc.getValue() != header.crc32c()) {
            throw SpillFileLayout.corrupt(file, "crc32c=0x" + Long.toHexString(crc.getValue())
                    + ", expected=0x" + Long.toHexString(header.crc32c()));
        }
    }

    /** Reads payload bytes from {@code off} into all of {@code buffer} and adds them to {@code crc}. */
    private static void readChunk(Path file, FileChannel ch, MemorySegment buffer, long off, CRC32C crc)
            throws IOException {
        ByteBuffer chunk = buffer.asByteBuffer();
        long pos = SpillFileLayout.HEADER_SIZE + off;
        while (chunk.hasRemaining()) {
            int n = ch.read(chunk, pos);
            if (n < 0) {
                throw SpillFileLayout.corrupt(file, "truncated at offset=" + pos);
            }
            pos += n;
        }
        crc.update(chunk.flip());
    }

    /**
     * The I/O buffers, kept for the next spill or restore: on this project's VM the first touch of
     * each 4 KiB page of a new buffer costs 8-30 us for the kernel (the {@code pread} into it) and
     * again for this process (the CRC32C over it): 20-40 ms per spill with four fresh 1 MiB buffers.
     * At most {@value #MAX} are kept (in the global arena: 8 MiB per JVM at most); beyond that,
     * a call's buffers come from its own arena and go with it.
     */
    private static final class Spare {
        static final int MAX = 8;
        private static final java.util.ArrayDeque<MemorySegment> FREE = new java.util.ArrayDeque<>(); // guarded by itself
        private static final java.util.Set<MemorySegment> KEPT = java.util.Collections.newSetFromMap(
                new java.util.IdentityHashMap<>()); // guarded by FREE
        private static int made; // guarded by FREE

        static MemorySegment take(Arena fallback) {
            synchronized (FREE) {
                MemorySegment b = FREE.poll();
                if (b != null) {
                    return b;
                }
                if (made < MAX) {
                    made++;
                    b = Arena.global().allocate(CHUNK, 4096);
                    KEPT.add(b);
                    return b;
                }
            }
            return fallback.allocate(CHUNK, 4096);
        }

        static void give(MemorySegment b) {
            synchronized (FREE) {
                if (KEPT.contains(b)) {
                    FREE.push(b);
                }
            }
        }
    }

    /** One step of a {@link #pipe}: {@code buffer} holds the chunk at offset {@code off} (its whole length). */
    @FunctionalInterface
    interface ChunkStep {
        void apply(long off, MemorySegment buffer) throws IOException;
    }

    /** A chunk handed to the second stage: buffer {@code index}, bytes [off, off + len); len -1 ends. */
    private record Filled(int index, long off, int len) {}

    /**
     * Moves {@code size} bytes chunk by chunk through two stages: {@code fill} (on this thread)
     * puts the chunk at each offset into a buffer, {@code drain} takes it from there. With
     * {@code twoThreads}, from {@value #PIPELINE_MIN} bytes on a machine with two cores or more
     * (and unless {@value #PIPELINE_PROPERTY} is false), {@code drain} runs on a
     * helper thread with {@value #PIPELINE_DEPTH} buffers in flight, so the whole costs about the
     * slower stage rather than the sum of both; otherwise one buffer, one thread. A failure of
     * either stage stops the other and is thrown here; the helper has ended when this returns.
     */
    static void pipe(long size, Arena arena, boolean twoThreads, ChunkStep fill, ChunkStep drain) throws IOException {
        if (!twoThreads || size < PIPELINE_MIN || Runtime.getRuntime().availableProcessors() < 2
                || "false".equalsIgnoreCase(System.getProperty(PIPELINE_PROPERTY, "true").trim())) {
            MemorySegment buffer = Spare.take(arena);
            try {
                for (long off = 0; off < size; off += CHUNK) {
                    MemorySegment chunk = buffer.asSlice(0, Math.min(CHUNK, size - off));
                    fill.apply(off, chunk);
                    drain.apply(off, chunk);
                }
            } finally {
                Spare.give(buffer);
            }
            return;
        }
        MemorySegment[] buffers = new MemorySegment[PIPELINE_DEPTH];
        java.util.concurrent.BlockingQueue<Integer> free = new java.util.concurrent.ArrayBlockingQueue<>(PIPELINE_DEPTH);
        java.util.concurrent.BlockingQueue<Filled> filled = new java.util.concurrent.ArrayBlockingQueue<>(PIPELINE_DEPTH + 1);
        for (int i = 0; i < PIPELINE_DEPTH; i++) {
            buffers[i] = Spare.take(arena);
            free.add(i);
        }
        Throwable[] drainFailure = new Throwable[1];
        Thread drainer = Thread.ofPlatform().name("shm4j-store-io").daemon().start(() -> {
            boolean failed = false;
            while (true) {
                Filled f;
                try {
                    f = filled.take();
                } catch (InterruptedException e) {
                    continue; // ends only with the end mark, so the filling thread never waits forever
                }
                if (f.len() < 0) {
                    return;
                }
                if (!failed) {
                    try {
                        drain.apply(f.off(), buffers[f.index()].asSlice(0, f.len()));
                    } catch (Throwable t) {
                        synchronized (drainFailure) {
                            drainFailure[0] = t;
                        }
                        failed = true; // keeps handing buffers back, so the filling thread never blocks
                    }
                }
                free.add(f.index());
            }
        });
        try {
            for (long off = 0; off < size; off += CHUNK) {
                synchronized (drainFailure) {
                    if (drainFailure[0] != null) {
                        break;
                    }
                }
                int len = (int) Math.min(CHUNK, size - off);
                int index = Uninterruptibly.take(free);
                fill.apply(off, buffers[index].asSlice(0, len));
                filled.add(new Filled(index, off, len));
            }
        } finally {
            filled.add(new Filled(-1, 0, -1)); // room: at most PIPELINE_DEPTH chunks are ever queued
            Uninterruptibly.join(drainer);
            for (MemorySegment b : buffers) {
                Spare.give(b);
            }
        }
        Throwable failure = drainFailure[0]; // visible: the helper has ended (join)
        if (failure instanceof IOException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IOException(failure);
        }
    }
}
