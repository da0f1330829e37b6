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
            EINVAL = 22, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, ENOSYS = 38, ELOOP = 40, EOPNOTSUPP = 95;

    /** errno: no such extended attribute. */
    public static final int ENODATA = 61;

    /** errno: the operation would block / a lock is held. */
    public static final int EAGAIN = 11;
    /** errno: the filesystem does not support it (for example {@code O_TMPFILE}). */
    public static final int ENOTSUP = EOPNOTSUPP;

    private static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200,
            O_NOCTTY = 0400, O_NONBLOCK = 04000, O_DIRECTORY = 0200000, O_NOFOLLOW = 0400000,
            O_CLOEXEC = 02000000, O_TMPFILE = 020000000 | O_DIRECTORY;
    private static final int AT_FDCWD = -100, AT_SYMLINK_FOLLOW = 0x400;
    /** File type bits of {@code st_mode}. */
    public static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFDIR = 0040000;
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, SEEK_END = 2;
    private static final int F_SETLEASE = 1024, F_WRLCK = 1, F_UNLCK = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // One holder class per function: a handle is made (which spins method-handle classes, tens of
    // milliseconds each before the JIT warms up) the first time its function is called, so a short
    // command pays only for the few functions it uses.
    private static final class Open {
        static final MethodHandle H = downcall("open",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    }

    private static final class Close {
        static final MethodHandle H = downcall("close",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    }

    private static final class SyncFileRange {
        static final MethodHandle H = downcall("sync_file_range",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                CAPTURE_ERRNO);
    }

    private static final class PosixFadvise {
        static final MethodHandle H = downcall("posix_fadvise",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    }

    private static final class PosixFallocate {
        static final MethodHandle H = downcall("posix_fallocate",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG));
    }

    private static final class Madvise {
        static final MethodHandle H = downcall("madvise",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT),
                CAPTURE_ERRNO);
    }

    private static final class Lseek {
        static final MethodHandle H = downcall("lseek",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT),
                CAPTURE_ERRNO);
    }

    private static final class Fgetxattr {
        static final MethodHandle H = downcall("fgetxattr",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                CAPTURE_ERRNO);
    }

    private static final class Mmap {
        static final MethodHandle H = downcall("mmap",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                CAPTURE_ERRNO);
    }

    private static final class Munmap {
        static final MethodHandle H = downcall("munmap",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    private static final class Fcntl {
        static final MethodHandle H = downcall("fcntl",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(2));
    }

    private static final class Ftruncate {
        static final MethodHandle H = downcall("ftruncate",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                CAPTURE_ERRNO);
    }

    private static final class Fstat {
        static final MethodHandle H = downcall("fstat",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS), CAPTURE_ERRNO);
    }

    private static final class Write {
        static final MethodHandle H = downcall("write",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG),
                CAPTURE_ERRNO);
    }

    private static final class Linkat {
        static final MethodHandle H = downcall("linkat",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                CAPTURE_ERRNO);
    }

    private static final class Setpriority {
        static final MethodHandle H = downcall("setpriority",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT),
                CAPTURE_ERRNO);
        static final MethodHandle GETTID = downcall("gettid", FunctionDescriptor.of(ValueLayout.JAVA_INT));
        static final MethodHandle GET = downcall("getpriority",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        static final int PRIO_PROCESS = 0;
        static final MethodHandle MEMCMP = downcall("memcmp",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    private static final class Geteuid {
        static final MethodHandle H = downcall("geteuid",
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    private static final class Strerror {
        static final MethodHandle H = downcall("strerror",
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    private static final class ProcessVmWritev {
        static final MethodHandle H = downcall("process_vm_writev",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                CAPTURE_ERRNO);
        static final int PID = (int) ProcessHandle.current().pid();
    }

    private static final class Pwrite {
        static final FunctionDescriptor FD = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
        static final MethodHandle H = downcall("pwrite", FD, CAPTURE_ERRNO);
        /**
         * The same call on a Java array's memory ({@code critical(true)}: the array is pinned and
         * the GC waits for the call to return, so calls are kept short; see {@link #HEAP_CHUNK}).
         */
        static final MethodHandle HEAP = downcall("pwrite", FD, CAPTURE_ERRNO, Linker.Option.critical(true));
        /** Bytes per call from a Java array: ~5-20 ms of copying, the longest a GC waits on us. */
        static final long HEAP_CHUNK = 8L << 20;
    }

    private static final class Memcpy {
        static final FunctionDescriptor FD = FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG);
        static final MethodHandle H = downcall("memcpy", FD);
        /** The same from a Java array's memory: pinned, and the GC waits for the call (see {@link #PIECE}). */
        static final MethodHandle HEAP = downcall("memcpy", FD, Linker.Option.critical(true));
        /**
         * Bytes per call: above glibc's non-temporal threshold on common machines (3/4 of the
         * shared cache; 192 MiB on this project's VM), and 10-25 ms of copying, the longest a GC
         * waits for a call from a Java array.
         */
        static final long PIECE = 256L << 20;
    }

    private static volatile boolean kernelCopyWorks = !Boolean.getBoolean("shm4j.kernelCopy.off");

    private Native() {}

    /**
     * Links, ahead of use, the functions that creating, mapping and closing a segment call ({@code
     * open}, {@code posix_fallocate}, {@code mmap}, {@code munmap}, {@code close}, {@code geteuid}):
     * each link spins method-handle classes, tens of milliseconds on cold code, so a caller that
     * will create a segment once it has prepared the data (a CSV read) links them on another
     * thread meanwhile.
     */
    public static void linkSegmentCalls() {
        for (MethodHandle h : new MethodHandle[] {Geteuid.H, Open.H, PosixFallocate.H, Mmap.H, Close.H, Munmap.H}) {
            java.util.Objects.requireNonNull(h);
        }
    }

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
     * Creates a new file with {@code open(O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode)}.
     *
     * @return the file descriptor, owned by the caller
     */
    public static int openExclusive(String path, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) Open.H.invokeExact(state, arena.allocateFrom(path),
                    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode);
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
     * {@code O_NOFOLLOW|O_NONBLOCK|O_NOCTTY|O_CLOEXEC}): a symlink fails with {@code ELOOP}, and a
     * FIFO, socket or device planted under the name never blocks the open. The caller checks the
     * type on the descriptor ({@link #fstat}) before using it.
     *
     * @return the file descriptor, owned by the caller
     */
    public static int openExisting(String path, boolean writable) throws ErrnoException {
        return open(path, (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0);
    }

    /**
     * Creates an unnamed file in directory {@code dir} ({@code open(dir, O_TMPFILE|O_WRONLY)}, mode
     * {@code mode} minus the umask): it vanishes with its last descriptor, so a crash leaves
     * nothing; {@link #linkAt} gives it a name. Fails with {@code EOPNOTSUPP} or {@code EISDIR}
     * where the filesystem lacks {@code O_TMPFILE}.
     *
     * @return the file descriptor, owned by the caller
     */
    public static int openUnnamed(String dir, int mode) throws ErrnoException {
        return open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
    }

    /**
     * Creates a new file, never following a link: {@code O_CREAT|O_EXCL|O_NOFOLLOW} (mode minus
     * the umask), opened read-write.
     *
     * @return the file descriptor, owned by the caller
     */
    public static int createNew(String path, int mode) throws ErrnoException {
        return open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, mode);
    }

    /** Gives an open file (for example one from {@link #openUnnamed}) the name {@code path}; fails if it exists. */
    public static void linkAt(int fd, String path) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) Linkat.H.invokeExact(state, AT_FDCWD, arena.allocateFrom("/proc/self/fd/" + fd),
                    AT_FDCWD, arena.allocateFrom(path), AT_SYMLINK_FOLLOW);
            if (rc != 0) {
                throw new ErrnoException("linkat", (int) ERRNO.get(state, 0L));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall linkat failed", t);
        }
    }

    /**
     * What {@code fstat} says about an open file.
     *
     * @param mode {@code st_mode}: type and permission bits
     * @param uid the owner
     * @param size the size in bytes
     * @param links the number of names the file has ({@code st_nlink}; 0 once every name was removed)
     */
    public record Stat(int mode, int uid, long size, long links) {
        /** Whether it is a regular file. */
        public boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        /** Whether it is a directory. */
        public boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        /** The type as a word for messages: file, directory, fifo, socket, device, symlink. */
        public String typeName() {
            return switch (mode & S_IFMT) {
                case S_IFREG -> "file";
                case S_IFDIR -> "directory";
                case 0010000 -> "fifo";
                case 0140000 -> "socket";
                case 0120000 -> "symlink";
                case 0020000, 0060000 -> "device";
                default -> "unknown";
            };
        }

        /** The permission bits. */
        public int permissions() {
            return mode & 07777;
        }
    }

    // struct stat offsets: x86_64 and aarch64 (the generic layout) differ before st_size.
    private static final boolean AARCH64 = System.getProperty("os.arch", "").equals("aarch64");
    private static final long ST_MODE = AARCH64 ? 16 : 24, ST_UID = AARCH64 ? 24 : 28, ST_SIZE = 48,
            ST_NLINK = AARCH64 ? 20 : 16;

    /** {@code fstat} of an open file. */
    public static Stat fstat(int fd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment buf = arena.allocate(256, 8);
            int rc = (int) Fstat.H.invokeExact(state, fd, buf);
            if (rc != 0) {
                throw new ErrnoException("fstat", (int) ERRNO.get(state, 0L));
            }
            long links = AARCH64 ? Integer.toUnsignedLong(buf.get(ValueLayout.JAVA_INT, ST_NLINK))
                    : buf.get(ValueLayout.JAVA_LONG, ST_NLINK);
            return new Stat(buf.get(ValueLayout.JAVA_INT, ST_MODE), buf.get(ValueLayout.JAVA_INT, ST_UID),
                    buf.get(ValueLayout.JAVA_LONG, ST_SIZE), links);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall fstat failed", t);
        }
    }

    /** The kernel's id of the calling thread ({@code gettid}): its directory under {@code /proc/self/task}. */
    public static int gettid() {
        try {
            return (int) Setpriority.GETTID.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("downcall gettid failed", t);
        }
    }

    /**
     * Sets the nice value of the calling thread alone ({@code setpriority(PRIO_PROCESS, gettid(),
     * nice)}: on Linux the nice value is a per-thread attribute), so that a background thread
     * yields the cores to the process's other threads. Raising the value needs no privilege;
     * lowering it below the current one does.
     */
    public static void setThreadNice(int nice) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int tid = (int) Setpriority.GETTID.invokeExact();
            int rc = (int) Setpriority.H.invokeExact(state, Setpriority.PRIO_PROCESS, tid, nice);
            if (rc != 0) {
                throw new ErrnoException("setpriority", (int) ERRNO.get(state, 0L));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall setpriority failed", t);
        }
    }

    /**
     * The nice value of the calling thread alone ({@code getpriority(PRIO_PROCESS, gettid())}),
     * for instance one that {@link #setThreadNice} raised: its work is background work. 0 when
     * it cannot be read.
     */
    public static int threadNice() {
        try {
            int tid = (int) Setpriority.GETTID.invokeExact();
            int nice = (int) Setpriority.GET.invokeExact(Setpriority.PRIO_PROCESS, tid);
            return nice == -1 ? 0 : nice; // -1 is also the error return; a raised value is never -1
        } catch (Throwable t) {
            throw new AssertionError("downcall getpriority failed", t);
        }
    }

    /**
     * Reads every byte of {@code region} in native code ({@code memcmp} of the region with itself),
     * so that this process's page tables map all its pages. The calling Java thread is in native
     * code meanwhile: a safepoint does not wait for it, even if the thread runs at a low priority
     * and waits long for a core (a Java loop would hold every other thread at the safepoint until
     * the scheduler runs it). {@code region} must be readable memory that stays mapped during the
     * call (a slice of a mapping the caller holds open).
     */
    public static void readAll(MemorySegment region) {
        if (region.byteSize() == 0) {
            return;
        }
        try {
            int unused = (int) Setpriority.MEMCMP.invokeExact(region, region, region.byteSize());
        } catch (Throwable t) {
            throw new AssertionError("downcall memcmp failed", t);
        }
    }

    /** This process's effective user id. */
    public static int geteuid() {
        try {
            return (int) Geteuid.H.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError("downcall geteuid failed", t);
        }
    }

    /**
     * Writes all of {@code bytes} to {@code fd} ({@code write(2)} until done), straight from the
     * segment's memory (a mapping or native memory; heap segments are copied in chunks).
     */
    public static void writeFully(int fd, MemorySegment bytes) throws ErrnoException {
        if (!bytes.isNative()) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.min(bytes.byteSize(), 1 << 20));
                for (long at = 0; at < bytes.byteSize(); at += buf.byteSize()) {
                    long n = Math.min(buf.byteSize(), bytes.byteSize() - at);
                    MemorySegment.copy(bytes, at, buf, 0, n);
                    writeFully(fd, buf.asSlice(0, n));
                }
            }
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long at = 0;
            while (at < bytes.byteSize()) {
                long n = (long) Write.H.invokeExact(state, fd, bytes.asSlice(at), Math.min(bytes.byteSize() - at, 1L << 30));
                if (n < 0) {
                    int errno = (int) ERRNO.get(state, 0L);
                    if (errno == EINTR) {
                        continue;
                    }
                    throw new ErrnoException("write", errno);
                }
                at += n;
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall write failed", t);
        }
    }

    private static final int EINTR = 4;

    /**
     * Writes all of {@code bytes} at {@code offset} of the file {@code fd} ({@code pwrite(2)}
     * until done), from native memory or straight from a Java array's memory (a heap segment,
     * passed with {@code Linker.Option.critical(true)} in chunks of 8 MiB, so no intermediate
     * copy and a bounded GC pause). On a tmpfs the kernel copies into the file's pages without
     * mapping them into this process: no page fault per 4 KiB page, which is what a copy through a
     * fresh mapping pays (measured 0.4 s vs 3.4 s for 500 MiB on this project's VM). A mapping of
     * the file sees the bytes at once (same pages).
     */
    public static void pwriteFully(int fd, MemorySegment bytes, long offset) throws ErrnoException {
        boolean heap = !bytes.isNative();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            long at = 0;
            long size = bytes.byteSize();
            while (at < size) {
                long len = Math.min(size - at, heap ? Pwrite.HEAP_CHUNK : 1L << 30);
                long n = heap ? (long) Pwrite.HEAP.invokeExact(state, fd, bytes.asSlice(at, len), len, offset + at)
                        : (long) Pwrite.H.invokeExact(state, fd, bytes.asSlice(at, len), len, offset + at);
                if (n <= 0) {
                    int errno = n == 0 ? ENOSPC : (int) ERRNO.get(state, 0L);
                    if (n < 0 && errno == EINTR) {
                        continue;
                    }
                    throw new ErrnoException("pwrite", errno);
                }
                at += n;
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall pwrite failed", t);
        }
    }

    /**
     * Copies {@code src} into {@code dst} (the same size; {@code dst} native memory) with libc's
     * {@code memcpy}, in calls of up to 256 MiB, from native memory or straight from a Java
     * array's memory ({@code Linker.Option.critical(true)}: the GC waits for a call, 10-25 ms).
     * glibc copies a call larger than its non-temporal threshold with non-temporal stores, which
     * do not read the destination's cache lines before writing them: a third less memory traffic
     * than a Java copy, whose stores do (500 MB on this project's VM: 23-25 ms in two threads
     * against 34-37 ms with {@code MemorySegment.copy}); smaller calls copy as a Java copy does.
     *
     * <p>Every page of {@code dst} must be backed already (written before, not a hole of a
     * file): a fault inside {@code memcpy} ends the JVM, where a Java copy raises an error.
     */
    public static void copy(MemorySegment src, MemorySegment dst) {
        copy(src, dst, Memcpy.PIECE);
    }

    /** {@link #copy(MemorySegment, MemorySegment)} in calls of up to {@code piece} bytes (for tests). */
    static void copy(MemorySegment src, MemorySegment dst, long piece) {
        long size = src.byteSize();
        if (dst.byteSize() != size || !dst.isNative()) {
            throw new IllegalArgumentException("copy needs a native destination of the source's size: src="
                    + size + ", dst=" + dst.byteSize() + ", native=" + dst.isNative());
        }
        boolean heap = !src.isNative();
        try {
            for (long at = 0; at < size; at += piece) {
                long len = Math.min(piece, size - at);
                MemorySegment unused = heap
                        ? (MemorySegment) Memcpy.HEAP.invokeExact(dst.asSlice(at, len), src.asSlice(at, len), len)
                        : (MemorySegment) Memcpy.H.invokeExact(dst.asSlice(at, len), src.asSlice(at, len), len);
            }
        } catch (Throwable t) {
            throw new AssertionError("downcall memcpy failed", t);
        }
    }

    private static int open(String path, int flags, int mode) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) Open.H.invokeExact(state, arena.allocateFrom(path), flags, mode);
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
            long size = (long) Lseek.H.invokeExact(state, fd, 0L, SEEK_END);
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
            long n = (long) Fgetxattr.H.invokeExact(state, fd, cname, buf, buf.byteSize());
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
            address = (MemorySegment) Mmap.H.invokeExact(state, MemorySegment.NULL, size,
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

    /**
     * A view of the first {@code size} bytes of {@code mapping} that belongs to {@code arena}:
     * closing the arena makes the view inaccessible ({@link IllegalStateException}) but leaves
     * the mapping mapped. The caller keeps the mapping alive while the view's arena is open.
     */
    public static MemorySegment view(MemorySegment mapping, long size, Arena arena) {
        java.util.Objects.checkFromIndexSize(0, size, mapping.byteSize());
        if (size == 0) {
            return arena.allocate(0);
        }
        return MemorySegment.ofAddress(mapping.address()).reinterpret(size, arena, null);
    }

    private static void munmap(long address, long size) {
        try {
            int rc = (int) Munmap.H.invokeExact(MemorySegment.ofAddress(address), size);
            assert rc == 0;
        } catch (Throwable t) {
            throw new AssertionError("downcall munmap failed", t);
        }
    }

    /** Closes a file descriptor; errors are ignored (Linux always releases the descriptor). */
    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) Close.H.invokeExact(arena.allocate(CALL_STATE), fd);
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
            rc = (int) PosixFallocate.H.invokeExact(fd, offset, length);
        } catch (Throwable t) {
            throw new AssertionError("downcall posix_fallocate failed", t);
        }
        if (rc != 0) {
            throw new ErrnoException("posix_fallocate", rc);
        }
    }

    /** Flags of {@link #syncFileRange}. */
    public static final int SYNC_FILE_RANGE_WAIT_BEFORE = 1, SYNC_FILE_RANGE_WRITE = 2, SYNC_FILE_RANGE_WAIT_AFTER = 4;
    private static final int POSIX_FADV_DONTNEED = 4;

    /**
     * {@code sync_file_range(fd, offset, length, flags)}: starts writeback of a file range
     * ({@code WRITE}) and/or waits for it ({@code WAIT_*}). No durability of metadata: a way to
     * write a large file behind the writer, not a replacement for {@code fdatasync}.
     */
    public static void syncFileRange(int fd, long offset, long length, int flags) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) SyncFileRange.H.invokeExact(state, fd, offset, length, flags);
            if (rc != 0) {
                throw new ErrnoException("sync_file_range", (int) ERRNO.get(state, 0L));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall sync_file_range failed", t);
        }
    }

    /** {@code posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED)}: drops clean cached pages of a range. */
    public static void dropCached(int fd, long offset, long length) throws ErrnoException {
        int rc;
        try {
            rc = (int) PosixFadvise.H.invokeExact(fd, offset, length, POSIX_FADV_DONTNEED);
        } catch (Throwable t) {
            throw new AssertionError("downcall posix_fadvise failed", t);
        }
        if (rc != 0) {
            throw new ErrnoException("posix_fadvise", rc);
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
            int rc = (int) Madvise.H.invokeExact(state, mapping, mapping.byteSize(), advice);
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
            int rc = (int) Fcntl.H.invokeExact(state, fd, F_SETLEASE, F_WRLCK);
            if (rc != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EAGAIN) {
                    return false;
                }
                throw new ErrnoException("fcntl(F_SETLEASE)", errno);
            }
            rc = (int) Fcntl.H.invokeExact(state, fd, F_SETLEASE, F_UNLCK);
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
            int rc = (int) Ftruncate.H.invokeExact(state, fd, size);
            if (rc != 0) {
                throw new ErrnoException("ftruncate", (int) ERRNO.get(state, 0L));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("downcall ftruncate failed", t);
        }
    }

    /**
     * Copies {@code src} into {@code dst} (same size) through the kernel:
     * {@code process_vm_writev} on this process, so the destination pages of a fresh shared
     * mapping are filled by the kernel instead of by user-space stores that fault each 4 KiB page
     * in (a fault per page costs more than the copy, and much more in VMs with shadow paging:
     * measured 0.6 s vs 5.6 s for 400 MiB here). Falls back to a plain copy where the call is
     * refused (seccomp, old kernels) or {@code -Dshm4j.kernelCopy.off=true}. Both must be native.
     */
    public static void kernelCopy(MemorySegment src, MemorySegment dst) {
        long n = src.byteSize();
        if (dst.byteSize() != n) {
            throw new IllegalArgumentException("sizes differ: src=" + n + ", dst=" + dst.byteSize());
        }
        long done = 0;
        if (kernelCopyWorks && src.isNative() && dst.isNative() && n > 0) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment iov = arena.allocate(32, 8);
                MemorySegment state = arena.allocate(CALL_STATE);
                while (done < n) {
                    long len = Math.min(n - done, 1L << 30);
                    iov.set(ValueLayout.ADDRESS, 0, src.asSlice(done, len));
                    iov.set(ValueLayout.JAVA_LONG, 8, len);
                    iov.set(ValueLayout.ADDRESS, 16, dst.asSlice(done, len));
                    iov.set(ValueLayout.JAVA_LONG, 24, len);
                    long r = (long) ProcessVmWritev.H.invokeExact(state, ProcessVmWritev.PID, iov, 1L, iov.asSlice(16), 1L, 0L);
                    if (r <= 0) {
                        if (r < 0 && (int) ERRNO.get(state, 0L) == EINTR) {
                            continue;
                        }
                        kernelCopyWorks = false; // refused here: copy in user space from now on
                        break;
                    }
                    done += r;
                }
            } catch (Throwable t) {
                throw new AssertionError("downcall process_vm_writev failed", t);
            }
        }
        if (done < n) {
            MemorySegment.copy(src, done, dst, done, n - done);
        }
    }

    /** The C library's text for an errno value. */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Strerror.H.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /**
     * liblz4's frame decoder ({@code LZ4F_decompress}), when {@code liblz4.so.1} is installed:
     * it handles every LZ4 frame, linked blocks included (what Arrow C++ writes). Loaded on first
     * use; {@link #available()} is false when the library is absent, and callers fall back to Java.
     * Thread-safe: each call uses its own decompression context.
     */
    public static final class Lz4Frame {
        private static final long LZ4F_VERSION = 100;
        private static final MethodHandle CREATE, DECOMPRESS, FREE, IS_ERROR, ERROR_NAME;

        static {
            MethodHandle c = null, d = null, f = null, e = null, n = null;
            {
                try {
                    SymbolLookup lib = SymbolLookup.libraryLookup("liblz4.so.1", Arena.global());
                    c = LINKER.downcallHandle(lib.findOrThrow("LZ4F_createDecompressionContext"),
                            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                    d = LINKER.downcallHandle(lib.findOrThrow("LZ4F_decompress"),
                            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                                    ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                    f = LINKER.downcallHandle(lib.findOrThrow("LZ4F_freeDecompressionContext"),
                            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
                    e = LINKER.downcallHandle(lib.findOrThrow("LZ4F_isError"),
                            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                    n = LINKER.downcallHandle(lib.findOrThrow("LZ4F_getErrorName"),
                            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                } catch (IllegalArgumentException | java.util.NoSuchElementException x) {
                    c = null; // no liblz4 here (or an old one): the Java decoders take over
                }
            }
            CREATE = c;
            DECOMPRESS = d;
            FREE = f;
            IS_ERROR = e;
            ERROR_NAME = n;
        }

        private Lz4Frame() {}

        /** Whether liblz4 was found. */
        public static boolean available() {
            return CREATE != null;
        }

        /**
         * Decompresses the LZ4 frame(s) in {@code src} into {@code dst}, never writing past its end.
         *
         * @return the number of bytes written; {@code dst.byteSize() + 1} when the frame holds more
         *     than {@code dst} can take
         * @throws IllegalArgumentException with liblz4's error name when the input is corrupt or truncated
         * @throws IllegalStateException if liblz4 is not {@link #available()}
         */
        public static long decompress(MemorySegment src, MemorySegment dst) {
            if (!available()) {
                throw new IllegalStateException("liblz4.so.1 not loaded");
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = src;
                if (!src.isNative()) {
                    in = arena.allocate(Math.max(1, src.byteSize()));
                    MemorySegment.copy(src, 0, in, 0, src.byteSize());
                }
                MemorySegment out = dst.isNative() ? dst : arena.allocate(Math.max(1, dst.byteSize()));
                MemorySegment ctxPtr = arena.allocate(ValueLayout.ADDRESS);
                MemorySegment dstSize = arena.allocate(ValueLayout.JAVA_LONG);
                MemorySegment srcSize = arena.allocate(ValueLayout.JAVA_LONG);
                check((long) CREATE.invokeExact(ctxPtr, (int) LZ4F_VERSION));
                MemorySegment ctx = ctxPtr.get(ValueLayout.ADDRESS, 0);
                long inPos = 0;
                long outPos = 0;
                long inLen = src.byteSize();
                long cap = dst.byteSize();
                try {
                    while (inPos < inLen) {
                        dstSize.set(ValueLayout.JAVA_LONG, 0, cap - outPos);
                        srcSize.set(ValueLayout.JAVA_LONG, 0, inLen - inPos);
                        long r = (long) DECOMPRESS.invokeExact(ctx, out.asSlice(outPos), dstSize, in.asSlice(inPos),
                                srcSize, MemorySegment.NULL);
                        check(r);
                        long wrote = dstSize.get(ValueLayout.JAVA_LONG, 0);
                        long read = srcSize.get(ValueLayout.JAVA_LONG, 0);
                        outPos += wrote;
                        inPos += read;
                        if (r != 0 && wrote == 0 && read == 0) {
                            if (outPos == cap) {
                                return cap + 1; // more output than the destination holds
                            }
                            throw new IllegalArgumentException("truncated LZ4 frame: consumed=" + inPos);
                        }
                        if (r != 0 && inPos == inLen) {
                            throw new IllegalArgumentException("truncated LZ4 frame: consumed=" + inPos
                                    + ", more needed=" + r);
                        }
                    }
                } finally {
                    long ignored = (long) FREE.invokeExact(ctx);
                }
                if (out != dst) {
                    MemorySegment.copy(out, 0, dst, 0, outPos);
                }
                return outPos;
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError("downcall LZ4F_decompress failed", t);
            }
        }

        /**
         * As {@link #decompress(MemorySegment, MemorySegment)}, decoding into {@code scratch}
         * (native, reused) and moving each full scratch into {@code dst} with {@link #kernelCopy}:
         * for a {@code dst} in a fresh shared mapping, whose pages are then never faulted in by
         * user-space stores.
         */
        public static long decompress(MemorySegment src, MemorySegment dst, MemorySegment scratch) {
            if (!available()) {
                throw new IllegalStateException("liblz4.so.1 not loaded");
            }
            if (!src.isNative() || !scratch.isNative()) {
                return decompress(src, dst);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ctxPtr = arena.allocate(ValueLayout.ADDRESS);
                MemorySegment dstSize = arena.allocate(ValueLayout.JAVA_LONG);
                MemorySegment srcSize = arena.allocate(ValueLayout.JAVA_LONG);
                check((long) CREATE.invokeExact(ctxPtr, (int) LZ4F_VERSION));
                MemorySegment ctx = ctxPtr.get(ValueLayout.ADDRESS, 0);
                long inPos = 0;
                long outPos = 0;
                long inLen = src.byteSize();
                long cap = dst.byteSize();
                long fill = 0;
                long room = scratch.byteSize();
                try {
                    while (inPos < inLen) {
                        dstSize.set(ValueLayout.JAVA_LONG, 0, room - fill);
                        srcSize.set(ValueLayout.JAVA_LONG, 0, inLen - inPos);
                        long r = (long) DECOMPRESS.invokeExact(ctx, scratch.asSlice(fill), dstSize, src.asSlice(inPos),
                                srcSize, MemorySegment.NULL);
                        check(r);
                        long wrote = dstSize.get(ValueLayout.JAVA_LONG, 0);
                        long read = srcSize.get(ValueLayout.JAVA_LONG, 0);
                        fill += wrote;
                        inPos += read;
                        if (fill == room || (r == 0 && fill > 0) || inPos == inLen) {
                            if (outPos + fill > cap) {
                                return cap + 1; // more output than the destination holds
                            }
                            kernelCopy(scratch.asSlice(0, fill), dst.asSlice(outPos, fill));
                            outPos += fill;
                            fill = 0;
                        }
                        if (r != 0 && wrote == 0 && read == 0) {
                            throw new IllegalArgumentException("truncated LZ4 frame: consumed=" + inPos);
                        }
                        if (r != 0 && inPos == inLen) {
                            throw new IllegalArgumentException("truncated LZ4 frame: consumed=" + inPos
                                    + ", more needed=" + r);
                        }
                    }
                } finally {
                    long ignored = (long) FREE.invokeExact(ctx);
                }
                return outPos;
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError("downcall LZ4F_decompress failed", t);
            }
        }

        private static void check(long code) throws Throwable {
            if ((int) IS_ERROR.invokeExact(code) != 0) {
                MemorySegment name = (MemorySegment) ERROR_NAME.invokeExact(code);
                throw new IllegalArgumentException("corrupt LZ4 frame: error=" + name.reinterpret(128).getString(0));
            }
        }
    }
}
