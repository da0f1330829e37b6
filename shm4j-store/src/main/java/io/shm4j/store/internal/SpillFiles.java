package io.shm4j.store.internal;

import io.shm4j.segment.PendingSegment;
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
     * Copies {@code size} bytes of {@code source} (an object's file) to {@code temp} and renames
     * it to {@code target}; returns the CRC32C. Each chunk is read into a small reused native
     * buffer ({@code pread}: the kernel copies from the object's pages, which are never mapped
     * here — mapping 4 KiB tmpfs pages costs more than copying them on a VM), checksummed while in
     * cache, and written.
     */
    static long write(Path target, Path temp, FileChannel source, long size, ObjectXattrs.Metadata meta)
            throws IOException {
        CRC32C crc = new CRC32C();
        try (Arena arena = Arena.ofConfined();
                FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            MemorySegment buffer = arena.allocate(CHUNK, 4096);
            long pos = SpillFileLayout.HEADER_SIZE;
            for (long off = 0; off < size; off += CHUNK) {
                ByteBuffer chunk = buffer.asSlice(0, Math.min(CHUNK, size - off)).asByteBuffer();
                while (chunk.hasRemaining()) {
                    if (source.read(chunk, off + chunk.position()) < 0) {
                        throw new java.io.EOFException("object file shorter than its size: size=" + size
                                + ", offset=" + (off + chunk.position()));
                    }
                }
                chunk.flip();
                crc.update(chunk.duplicate());
                while (chunk.hasRemaining()) {
                    pos += ch.write(chunk, pos);
                }
            }
            ByteBuffer header = SpillFileLayout.encode(meta, size, crc.getValue());
            while (header.hasRemaining()) {
                ch.write(header, header.position());
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return crc.getValue();
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
     * Reads the payload into {@code target} (exactly {@code header.payloadLength()} bytes) and
     * checks its CRC32C: each chunk is read into a small reused native buffer (in cache for the
     * CRC) and written into the object's file by the kernel ({@link PendingSegment#write}), so
     * the object's fresh pages are never faulted in through a mapping.
     *
     * @throws io.shm4j.store.SpillCorruptedException on a short file or a checksum mismatch
     */
    static void readPayload(Path file, SpillFileLayout.Header header, PendingSegment target) throws IOException {
        CRC32C crc = new CRC32C();
        long size = header.payloadLength();
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment buffer = arena.allocate(CHUNK, 4096);
            long pos = SpillFileLayout.HEADER_SIZE;
            for (long off = 0; off < size; off += CHUNK) {
                int len = (int) Math.min(CHUNK, size - off);
                ByteBuffer chunk = buffer.asSlice(0, len).asByteBuffer();
                while (chunk.hasRemaining()) {
                    int n = ch.read(chunk, pos);
                    if (n < 0) {
                        throw SpillFileLayout.corrupt(file, "truncated at offset=" + pos);
                    }
                    pos += n;
                }
                crc.update(chunk.flip());
                target.write(off, buffer.asSlice(0, len));
            }
        }
        if (crc.getValue() != header.crc32c()) {
            throw SpillFileLayout.corrupt(file, "crc32c=0x" + Long.toHexString(crc.getValue())
                    + ", expected=0x" + Long.toHexString(header.crc32c()));
        }
    }
}
