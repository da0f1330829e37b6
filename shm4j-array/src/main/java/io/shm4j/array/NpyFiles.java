package io.shm4j.array;

import io.shm4j.FileAccessException;
import io.shm4j.segment.ExportFile;
import io.shm4j.segment.ShmOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code .npy} files on disk: mapping one read-only in place ({@link SharedArray#open}) and
 * copying one into a segment ({@link SharedArray#copyOf(ShmOptions, Path)}), and writing one
 * from an array or view ({@link SharedArray#save}) atomically through {@link ExportFile}. Failures are {@link FileAccessException}s with the path and what to check. Stateless.
 */
final class NpyFiles {
    private static final long COPY_CHUNK = 1L << 28;

    private NpyFiles() {}

    /** A file mapped read-only in its own arena (closing the arena unmaps it). */
    record Mapped(Arena arena, MemorySegment memory) {}

    static Mapped map(Path npyFile) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(npyFile, StandardOpenOption.READ)) {
            return new Mapped(arena, ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena));
        } catch (NoSuchFileException e) {
            arena.close();
            throw new FileAccessException("no such .npy file: path=" + npyFile + "; check the path", e);
        } catch (IOException e) {
            arena.close();
            throw new FileAccessException("cannot open .npy file: path=" + npyFile + ", error=" + e.getMessage()
                    + "; check that it is a readable regular file", e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Copies a {@code .npy} file into a new array segment. Only the header is read through a
     * mapping; the data is read with {@code read(2)}: another process truncating the file meanwhile
     * shortens a read (a clear error) instead of faulting a mapped access.
     */
    static SharedArray copyOf(ShmOptions options, Path npyFile) {
        NpyHeader h = readHeader(npyFile);
        RecordType record = h.recordType() == null ? null : h.recordType().littleEndian();
        try (FileChannel ch = FileChannel.open(npyFile, StandardOpenOption.READ)) {
            return SharedArray.create(options, h.dtype(), record, h.shape(), h.fortranOrder(), d -> {
                readFully(ch, npyFile, h, d);
                if (h.bigEndian()) {
                    ByteOrders.toLittleEndian(h, d.asSlice(0, h.dataBytes()));
                }
            });
        } catch (NoSuchFileException e) {
            throw new FileAccessException("no such .npy file: path=" + npyFile + "; check the path", e);
        } catch (IOException e) {
            throw new FileAccessException("cannot read .npy file: path=" + npyFile + ", error=" + e.getMessage()
                    + "; check that it is a readable regular file", e);
        }
    }

    /** The header of a {@code .npy} file, big-endian ones included (the file is mapped only while reading it). */
    static NpyHeader readHeader(Path npyFile) {
        Mapped m = map(npyFile);
        try {
            return NpyLayout.decode(m.memory(), true);
        } catch (NpyFormatException e) { // the layout does not know the file: name it
            throw new NpyFormatException("path=" + npyFile + ": " + e.getMessage(), e);
        } finally {
            m.arena().close();
        }
    }

    private static void readFully(FileChannel ch, Path file, NpyHeader h, MemorySegment into) {
        long want = h.dataBytes();
        long done = 0;
        try {
            while (done < want) {
                ByteBuffer b = into.asSlice(done, Math.min(COPY_CHUNK, want - done)).asByteBuffer();
                int n = ch.read(b, h.dataOffset() + done);
                if (n < 0) {
                    throw new NpyFormatException("file shrank while being read: path=" + file + ", expected="
                            + want + " data bytes, read=" + done + "; another process truncated or replaced it");
                }
                done += n;
            }
        } catch (IOException e) {
            throw new FileAccessException("cannot read .npy file: path=" + file + ", offset="
                    + (h.dataOffset() + done) + ", error=" + e.getMessage() + "; check that it is a readable regular file",
                    e);
        }
    }

    /**
     * Writes an array or view atomically through {@link ExportFile}: created exclusively in the
     * target's directory with the segment's mode (minus the umask), renamed into place complete.
     */
    static void save(SharedArray a, Path file) {
        boolean fortran = !a.isCContiguous() && a.isFContiguous();
        byte[] head = a.dtype == DType.RECORD ? NpyLayout.encode(a.recordType(), a.shape, fortran)
                : NpyLayout.encode(a.dtype, a.shape, fortran);
        try (ExportFile out = ExportFile.create(file, a.exportMode())) {
            out.write(MemorySegment.ofArray(head));
            if (a.isCContiguous() || a.isFContiguous()) {
                long bytes = a.size * a.itemSize;
                out.write(a.data.asSlice(a.offset, bytes)); // straight from the mapping
            } else {
                int item = a.itemSize;
                a.forEachLine(false, (off, n, stride) -> {
                    MemorySegment buf = MemorySegment.ofArray(new byte[Math.toIntExact(n * item)]);
                    for (long i = 0; i < n; i++) {
                        MemorySegment.copy(a.data, off + i * stride, buf, i * item, item);
                    }
                    out.write(buf);
                });
            }
            out.commit();
        }
    }
}
