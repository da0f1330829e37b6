package io.shm4j.segment;

import io.shm4j.FileAccessException;
import io.shm4j.segment.internal.Native;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;

/**
 * A file on disk written atomically, for every export ({@code .npy}, {@code .arrow},
 * {@code .csv}): the bytes go to a new file in the target's directory that nobody else can
 * have planted or linked, and only a complete file is renamed onto the target.
 *
 * <ul>
 *   <li>The new file is unnamed ({@code O_TMPFILE}) where the filesystem allows it, so a crash or
 *       {@code kill -9} leaves nothing behind; elsewhere it is created
 *       {@code O_CREAT|O_EXCL|O_NOFOLLOW} under a random hidden name (a planted link or file under
 *       that name makes the create fail, never redirects the write) and removed on failure.
 *   <li>Its mode is {@code mode} minus the umask: callers pass the source segment's mode, so an
 *       export is never more readable than what it exports.
 *   <li>{@link #commit()} names the complete file {@code target} with {@code rename(2)}, which
 *       replaces the name (a link there is replaced, not followed). Until then the target is
 *       untouched: a full disk, an exception or a crash leave no partial file under its name.
 * </ul>
 *
 * <p>Not thread-safe. Ownership: the caller; {@link #close()} without {@link #commit()} aborts.
 */
public final class ExportFile implements AutoCloseable {
    private static final String TEMP_MARK = ".shm4j-export.";

    private final Path target;
    private final Path dir;
    private final Path namedTemp; // null for an unnamed (O_TMPFILE) file
    private int fd;
    private long written;
    private boolean committed;

    private ExportFile(Path target, Path namedTemp, int fd) {
        this.target = target;
        this.dir = target.getParent();
        this.namedTemp = namedTemp;
        this.fd = fd;
    }

    /**
     * Starts writing {@code target}.
     *
     * @param mode the permission bits at most (the umask clears more), for example the source
     *     segment's mode
     * @throws FileAccessException if the directory does not exist or is not writable
     */
    public static ExportFile create(Path target, int mode) {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        int perm = mode & 0666;
        try {
            return new ExportFile(abs, null, Native.openUnnamed(dir.toString(), perm));
        } catch (Native.ErrnoException e) {
            if (e.errno() != Native.EOPNOTSUPP && e.errno() != Native.EISDIR && e.errno() != Native.EINVAL) {
                throw failure("create", abs, 0, e);
            }
        }
        removeDeadTemps(dir);
        Path temp = dir.resolve(tempName(abs));
        try {
            return new ExportFile(abs, temp, Native.createNew(temp.toString(), perm));
        } catch (Native.ErrnoException e) {
            throw failure("create", abs, 0, e);
        }
    }

    /**
     * Where {@code O_TMPFILE} is missing, a crashed export leaves its named temporary: removed by
     * the next export into the directory if its writer is dead and it is this user's regular file.
     */
    private static void removeDeadTemps(Path dir) {
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*" + TEMP_MARK + "*")) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                String[] p = n.substring(n.lastIndexOf(TEMP_MARK) + TEMP_MARK.length()).split("\\.");
                try {
                    if (p.length == 3 && !new ProcessIdentity(Long.parseLong(p[0]), Long.parseLong(p[1])).isAlive()
                            && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && Integer.valueOf(Native.geteuid()).equals(
                                    Files.getAttribute(f, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                        Files.deleteIfExists(f);
                    }
                } catch (NumberFormatException | IOException e) {
                    // not ours, or gone
                }
            }
        } catch (IOException e) {
            // nothing to clean
        }
    }

    private static String tempName(Path target) {
        ProcessIdentity self = ProcessIdentity.current();
        String base = target.getFileName().toString();
        if (base.length() > 150) {
            base = base.substring(0, 150);
        }
        return "." + base + TEMP_MARK + self.pid() + "." + self.startTicks() + "."
                + HexFormat.of().toHexDigits(SegmentNames.newGeneration());
    }

    /** Appends bytes (a mapping, native or heap memory), straight from their memory. */
    public void write(MemorySegment bytes) {
        checkOpen();
        try {
            Native.writeFully(fd, bytes);
            written += bytes.byteSize();
        } catch (Native.ErrnoException e) {
            throw failure("write", target, written + bytes.byteSize(), e);
        }
    }

    /** A stream appending to the file (buffer it); closing the stream does not commit or close this. */
    public OutputStream stream() {
        return new OutputStream() {
            @Override
            public void write(int b) {
                ExportFile.this.write(MemorySegment.ofArray(new byte[] {(byte) b}));
            }

            @Override
            public void write(byte[] b, int off, int len) {
                ExportFile.this.write(MemorySegment.ofArray(b).asSlice(off, len));
            }
        };
    }

    /**
     * Sizes the file to {@code size} bytes, reserving every block ({@code posix_fallocate}: a full
     * disk fails here, never as a fault later), and maps it read-write for random-access writing.
     * The mapping belongs to {@code arena}: close it before {@link #commit()}. The memory is the
     * file's page cache, not the process's: nothing in proportion to the data is allocated.
     */
    public MemorySegment map(long size, Arena arena) {
        checkOpen();
        try {
            if (size > 0) {
                Native.posixFallocate(fd, 0, size);
            }
            written = size;
            return Native.mmap(fd, size, true, arena);
        } catch (Native.ErrnoException e) {
            throw failure("reserve", target, size, e);
        }
    }

    /** Names the complete file {@code target}, replacing what was there. */
    public void commit() {
        checkOpen();
        try {
            if (namedTemp == null) {
                Path temp = dir.resolve(tempName(target));
                try {
                    Native.linkAt(fd, target.toString()); // no name existed: done in one step
                    committed = true;
                    return;
                } catch (Native.ErrnoException e) {
                    if (e.errno() != Native.EEXIST) {
                        throw failure("link", target, written, e);
                    }
                }
                try {
                    Native.linkAt(fd, temp.toString());
                } catch (Native.ErrnoException e) {
                    throw failure("link", target, written, e);
                }
                rename(temp);
            } else {
                rename(namedTemp);
            }
            committed = true;
        } finally {
            close();
        }
    }

    private void rename(Path temp) {
        try {
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new FileAccessException("cannot write file: path=" + target + ", op=rename, error="
                    + (e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.toString())
                    + "; check the target (a directory cannot be replaced) and its directory's permissions", e);
        }
    }

    /** Aborts unless committed: closes the descriptor and removes the unfinished file. Idempotent. */
    @Override
    public void close() {
        if (fd < 0) {
            return;
        }
        Native.close(fd);
        fd = -1;
        if (!committed && namedTemp != null) {
            deleteQuietly(namedTemp);
        }
    }

    private void checkOpen() {
        if (fd < 0) {
            throw new IllegalStateException("export file already committed or aborted: path=" + target);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the original failure is what the caller needs
        }
    }

    private static FileAccessException failure(String op, Path target, long bytes, Native.ErrnoException e) {
        String next = switch (e.errno()) {
            case Native.ENOSPC, Native.EFBIG -> "no space left: free space on its disk, or export elsewhere";
            case Native.EACCES, Native.EPERM -> "permission denied: choose a directory you may write";
            case Native.ENOENT -> "no such directory: create it first";
            default -> "check free space and permissions of its directory";
        };
        long free = -1;
        try {
            free = Files.getFileStore(target.getParent()).getUsableSpace();
        } catch (IOException | RuntimeException ignored) {
            // reported as -1
        }
        return new FileAccessException("cannot write file: path=" + target + ", op=" + op + ", bytes=" + bytes
                + ", free=" + free + ", errno=" + e.errno() + " (" + Native.strerror(e.errno()) + "); " + next, e);
    }
}
