package io.shm4j.array;

import io.shm4j.FileAccessException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code .npy} files on disk: mapping one read-only in place ({@link SharedArray#open}) and
 * writing one from an array or view ({@link SharedArray#save}) under a temporary name moved into
 * place. Failures are {@link FileAccessException}s with the path and what to check. Stateless.
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

    static void save(SharedArray a, Path file) {
        boolean fortran = !a.isCContiguous() && a.isFContiguous();
        byte[] head = NpyLayout.encode(a.dtype, a.shape, fortran);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, ByteBuffer.wrap(head));
                if (a.isCContiguous() || a.isFContiguous()) {
                    long bytes = a.size * a.dtype.itemSize();
                    for (long o = 0; o < bytes; o += COPY_CHUNK) {
                        writeFully(ch, a.data.asSlice(a.offset + o, Math.min(COPY_CHUNK, bytes - o)).asByteBuffer());
                    }
                } else {
                    int item = a.dtype.itemSize();
                    a.forEachLine(false, (off, n, stride) -> {
                        MemorySegment buf = MemorySegment.ofArray(new byte[Math.toIntExact(n * item)]);
                        for (long i = 0; i < n; i++) {
                            MemorySegment.copy(a.data, off + i * stride, buf, i * item, item);
                        }
                        writeFully(ch, buf.asByteBuffer());
                    });
                }
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UncheckedIOException e) {
            deleteQuietly(tmp);
            throw new FileAccessException("cannot save array: path=" + file + ", bytes=" + a.data.byteSize()
                    + ", error=" + e.getMessage() + "; check free space and permissions of its directory", e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the original failure is what the caller needs
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) {
        try {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
