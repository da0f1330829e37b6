package io.shm4j.segment.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one door to native code. Every {@link Linker} downcall shm4j makes lives here; nothing
 * else touches raw addresses or file descriptors. Linux (glibc or musl), 64-bit.
 *
 * <p>Threading: all methods are thread-safe (each call captures its own {@code errno}).
 * Ownership: a file descriptor returned by {@link #openExclusive} belongs to the caller, who
 * must {@link #close} it.
 */
@SuppressWarnings("restricted") // the one place shm4j calls restricted FFM methods
public final class Native {
    /** {@code madvise} advice: the pages will be needed soon. */
    public static final int MADV_WILLNEED = 3;
    /** {@code madvise} advice: back this range with transparent huge pages. */
    public static final int MADV_HUGEPAGE = 14;
    /** {@code madvise} advice: fault the range in for reading (Linux 5.14+). */
    public static final int MADV_POPULATE_READ = 22;
    /** {@code madvise} advice: fault the range in for writing (Linux 5.14+). */
    public static final int MADV_POPULATE_WRITE = 23;

    /** errno values shm4j reacts to. */
    public static final int EPERM = 1, ENOENT = 2, EACCES = 13, EEXIST = 17, ENODEV = 19, EISDIR = 21,
            EINVAL = 22, EFBIG = 27, ENOSPC = 28, ELOOP = 40, EOPNOTSUPP = 95;

    /** errno: no such extended attribute. */
    public static final int ENODATA = 61;

    private static final int O_RDONLY = 0, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200, O_NOFOLLOW = 0400000,
            O_CLOEXEC = 02000000;
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, SEEK_END = 2;
    private static final int F_SETLEASE = 1024, F_WRLCK = 1, F_UNLCK = 2, EAGAIN = 11;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle POSIX_FALLOCATE = downcall("posix_fallocate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG));
    private static final MethodHandle MADVISE = downcall("madvise",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT),
            CAPTURE_ERRNO);
    private static final MethodHandle LSEEK = downcall("lseek",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT),
            CAPTURE_ERRNO);
    private static final MethodHandle FGETXATTR = downcall("fgetxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            CAPTURE_ERRNO);
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            CAPTURE_ERRNO);
    private static final MethodHandle MUNMAP = downcall("munmap",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle FCNTL = downcall("fcntl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT),
            CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FTRUNCATE = downcall("ftruncate",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
            CAPTURE_ERRNO);
    private static final MethodHandle STRERROR = downcall("strerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Native() {}

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("libc has no symbol: name=" + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** A failed system call: {@code errno} and the call's name. */
    public static final class ErrnoException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int errno;

        ErrnoException(String call, int errno) {
            super(call + " failed: errno=" + errno + " (" + strerror(errno) + ")");
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /**
     * Creates a new file with {@code open(O_RDWR|O_CREAT|O_EXCL|O_CLOEXEC, mode)}.
     *
     * @return the file descriptor, owned by the caller
     */
    public static int openExclusive(String path, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path),
                    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
            if (fd < 0) {
                throw new ErrnoException("open", (int) ERRNO.get(state, 0L));
            }
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall open failed", t);
        }
    }

    /**
     * Opens an existing file for mapping ({@code O_RDONLY} or {@code O_RDWR}, with
     * {@code O_NOFOLLOW|O_CLOEXEC}).
     *
     * @return the file descriptor, owned by the caller
     */
    public static int openExisting(String path, boolean writable) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path),
                    (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new ErrnoException("open", (int) ERRNO.get(state, 0L));
            }
            return fd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall open failed", t);
        }
    }

    /** The size of an open file ({@code lseek(fd, 0, SEEK_END)}). */
    public static long fileSize(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long size = (long) LSEEK.invokeExact(state, fd, 0L, SEEK_END);
            if (size < 0) {
                throw new ErrnoException("lseek", (int) ERRNO.get(state, 0L));
            }
            return size;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall lseek failed", t);
        }
    }

    /**
     * Reads an extended attribute of an open file ({@code fgetxattr}).
     *
     * @param name the full attribute name, for example {@code user.shm4j}
     * @return its value, or null if the file has no such attribute
     */
    public static byte[] getXattr(int fd, String name) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment cname = arena.allocateFrom(name);
            MemorySegment buf = arena.allocate(4096);
            long n = (long) FGETXATTR.invokeExact(state, fd, cname, buf, buf.byteSize());
            if (n < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == ENODATA) {
                    return null;
                }
                throw new ErrnoException("fgetxattr", errno);
            }
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall fgetxattr failed", t);
        }
    }

    /**
     * Maps {@code size} bytes of an open file, shared ({@code mmap(MAP_SHARED)}). The mapping
     * belongs to {@code arena}: closing the arena unmaps it, and later access throws
     * {@link IllegalStateException}. The descriptor may be closed right after.
     */
    public static MemorySegment mmap(int fd, long size, boolean writable, Arena arena) throws ErrnoException {
        if (size == 0) {
            return arena.allocate(0);
        }
        MemorySegment address;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = call.allocate(CALL_STATE);
            address = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, size,
                    writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0L);
            if (address.address() == -1L) {
                throw new ErrnoException("mmap", (int) ERRNO.get(state, 0L));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall mmap failed", t);
        }
        long base = address.address();
        MemorySegment mapping = address.reinterpret(size, arena, m -> munmap(base, size));
        return writable ? mapping : mapping.asReadOnly();
    }

    private static void munmap(long address, long size) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
            assert rc == 0;
        } catch (Throwable t) {
            throw new AssertionError("downcall munmap failed", t);
        }
    }

    /** Closes a file descriptor; errors are ignored (Linux always releases the descriptor). */
    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) CLOSE.invokeExact(arena.allocate(CALL_STATE), fd);
            assert rc == 0 || rc == -1;
        } catch (Throwable t) {
            throw new AssertionError("downcall close failed", t);
        }
    }

    /**
     * Reserves {@code [offset, offset+length)} of the file with {@code posix_fallocate}, so that
     * writes to a mapping of it can never fault for lack of memory.
     */
    public static void posixFallocate(int fd, long offset, long length) throws ErrnoException {
        int rc;
        try {
            rc = (int) POSIX_FALLOCATE.invokeExact(fd, offset, length);
        } catch (Throwable t) {
            throw new AssertionError("downcall posix_fallocate failed", t);
        }
        if (rc != 0) {
            throw new ErrnoException("posix_fallocate", rc);
        }
    }

    /**
     * Gives the kernel advice about a mapped range ({@code madvise}). The range is widened to
     * whole pages by the kernel's rules; the segment must be a mapping this process owns.
     */
    public static void madvise(MemorySegment mapping, int advice) throws ErrnoException {
        if (mapping.byteSize() == 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) MADVISE.invokeExact(state, mapping, mapping.byteSize(), advice);
            if (rc != 0) {
                throw new ErrnoException("madvise", (int) ERRNO.get(state, 0L));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall madvise failed", t);
        }
    }

    /**
     * Whether no other open file description of the file exists — no descriptor and no mapping,
     * in any process — besides {@code fd}, which must be open read-write: takes a write lease
     * ({@code fcntl(F_SETLEASE, F_WRLCK)}, which the kernel grants only then) and drops it at
     * once. A mapping holds its file open until unmapped, so {@code true} means nobody can see
     * the file's pages but the caller (until someone opens it again by name).
     */
    public static boolean isOpenOnlyHere(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FCNTL.invokeExact(state, fd, F_SETLEASE, F_WRLCK);
            if (rc != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EAGAIN) {
                    return false;
                }
                throw new ErrnoException("fcntl(F_SETLEASE)", errno);
            }
            rc = (int) FCNTL.invokeExact(state, fd, F_SETLEASE, F_UNLCK);
            if (rc != 0) {
                throw new ErrnoException("fcntl(F_SETLEASE, F_UNLCK)", (int) ERRNO.get(state, 0L));
            }
            return true;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall fcntl failed", t);
        }
    }

    /** Sets the size of an open file ({@code ftruncate}): pages past the new end are freed. */
    public static void ftruncate(int fd, long size) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) FTRUNCATE.invokeExact(state, fd, size);
            if (rc != 0) {
                throw new ErrnoException("ftruncate", (int) ERRNO.get(state, 0L));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall ftruncate failed", t);
        }
    }

    /** The C library's text for an errno value. */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
