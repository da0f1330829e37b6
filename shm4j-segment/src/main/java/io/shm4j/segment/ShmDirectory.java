package io.shm4j.segment;

import io.shm4j.Settings;
import io.shm4j.Shm4jException;
import io.shm4j.segment.internal.Native;
import io.shm4j.segment.internal.SegmentMetadata;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The shm directory (default {@code /dev/shm}; see {@link Settings#shmDirectory()}): where
 * segments are created, attached, listed and garbage-collected.
 *
 * <p>Thread-safe and process-safe: every operation is a sequence of atomic filesystem steps
 * (exclusive create, hard-link publish, unlink). Holds no state beyond its path.
 */
public final class ShmDirectory {
    private final Path path;

    private ShmDirectory(Path path) {
        this.path = path.toAbsolutePath().normalize();
    }

    /** The shm directory in force now ({@code shm4j.dir}, {@code SHM4J_DIR}, else {@code /dev/shm}). */
    public static ShmDirectory current() {
        return new ShmDirectory(Settings.shmDirectory());
    }

    /** A specific directory (for example a tmpfs mounted with {@code huge=always}). */
    public static ShmDirectory of(Path path) {
        return new ShmDirectory(path);
    }

    /** The directory. */
    public Path path() {
        return path;
    }

    /** Bytes still free for new segments. */
    public long freeBytes() {
        try {
            return Files.getFileStore(path).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Total size of the filesystem. */
    public long totalBytes() {
        try {
            return Files.getFileStore(path).getTotalSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- create

    /**
     * Reserves a segment: a temporary file with every page allocated ({@code posix_fallocate}),
     * mapped read-write. Write it, then {@link PendingSegment#publish()}.
     *
     * @throws OutOfSharedMemoryException if the directory cannot hold {@code spec.size()} bytes
     * @throws SegmentExistsException if the name is taken
     */
    public PendingSegment reserve(SegmentSpec spec) {
        try {
            return reserveFresh(spec);
        } catch (OutOfSharedMemoryException e) {
            if (PageStock.release(this) > 0) { // the page stock never makes a creation fail
                return reserveFresh(spec);
            }
            throw e;
        }
    }

    /**
     * Like {@link #reserve}, for a writer that overwrites every byte before publishing (as
     * {@code SharedArray.copyOf} does): takes the pages of a segment this process closed, from
     * its page stock, when {@link Settings#PAGE_STOCK_PROPERTY} is set and the stock holds a file
     * that nobody maps any more; else reserves fresh pages. On stock pages
     * {@link PendingSegment#recycled()} is true and the memory holds old bytes until written.
     * See docs/segment.md, "Page stock".
     *
     * @throws OutOfSharedMemoryException if the directory cannot hold {@code spec.size()} bytes
     * @throws SegmentExistsException if the name is taken
     */
    public PendingSegment reserveForOverwrite(SegmentSpec spec) {
        if (spec.name() != null && Files.exists(path.resolve(spec.name()), LinkOption.NOFOLLOW_LINKS)) {
            return reserve(spec); // throws SegmentExistsException
        }
        Optional<PendingSegment> stocked = PageStock.take(this, spec);
        return stocked.isPresent() ? stocked.get() : reserve(spec);
    }

    /** Bytes this process keeps in its page stock in this directory (0 when the stock is off). */
    public long pageStockBytes() {
        return PageStock.bytes(this);
    }

    /**
     * Takes a segment's name away for good and keeps its pages in this process's page stock,
     * for a writer that replaces one large segment by another again and again (a dataset's
     * replaced version): its next {@link #reserveForOverwrite} reuses these pages instead of
     * allocating fresh ones. Done only when the stock is on ({@link Settings#PAGE_STOCK_PROPERTY})
     * and the file is a segment of this user of at least 1 MiB that fits the stock's cap; the
     * file is renamed to a stock name (to every other process, as after an unlink) and checked
     * there, as for a closed owned segment. Processes that still map it keep its bytes: the stock
     * hands its pages out only once nobody maps it (see docs/segment.md, "Page stock").
     *
     * @return whether the file went into the stock; when false nothing was changed (the caller
     *     removes the name as before)
     */
    public boolean moveToPageStock(String name) {
        SegmentNames.validate(name);
        SegmentInfo info;
        try {
            if (Settings.pageStockBytes() < PageStock.MIN_BYTES) {
                return false;
            }
            info = info(name);
        } catch (Shm4jException e) {
            return false; // a bad setting (creation reports it); gone, foreign or damaged: not ours to keep
        }
        KeptMapping kept = PageStock.unpark(info.path()); // its writer's mapping, if it asked to keep it
        if (PageStock.deposit(this, info, kept)) {
            return true;
        }
        if (kept != null) {
            kept.close();
        }
        return false;
    }

    /**
     * Asks that the segment this process publishes next under {@code name} keep its writer's
     * writable mapping until {@link #moveToPageStock} moves it into the page stock, which then
     * keeps the mapping with the file: the creation that later reuses those pages copies through
     * page-table entries that already exist instead of writing with {@code pwrite} — for a dataset
     * version of 244 MiB on the AMD host, a 35 ms copy instead of a 90–110 ms write. For a
     * segment that is not owned by its handle (persistent), so that its writer can move it by name
     * once it is replaced. Does nothing when the stock is off.
     *
     * <p>While kept, the mapping holds no memory of its own as long as the file has a name; a
     * mapping whose file lost every name is closed at the next call into the stock. The next
     * publish under {@code name} uses the request up, kept or not; the caller calls
     * {@link #forgetKeptMapping} for a name it will not publish or move after all.
     */
    public void keepMappingOnPublish(String name) {
        SegmentNames.validate(name);
        PageStock.requestKeep(path.resolve(name));
    }

    /**
     * Withdraws {@link #keepMappingOnPublish} for {@code name}: a request not yet used is dropped,
     * and a writable mapping kept for the file now under {@code name} is closed. Idempotent.
     */
    public void forgetKeptMapping(String name) {
        SegmentNames.validate(name);
        PageStock.forget(path.resolve(name));
    }

    /**
     * Closes the writable mapping kept ({@link #keepMappingOnPublish}) for the segment created
     * with {@code generation} ({@link SegmentInfo#generation()}), whatever its file is called now:
     * for a writer whose segment was moved away by another process (a dataset version that another
     * writer replaced and took into its own stock), which only a mapping of this process would
     * otherwise keep from being reused there. Idempotent; nothing happens for a mapping that
     * went into this process's stock meanwhile.
     */
    public void forgetKeptMapping(long generation) {
        PageStock.forget(generation);
    }

    /** Removes this process's page stock in this directory; returns the bytes freed. */
    public long releasePageStock() {
        return PageStock.release(this);
    }

    private PendingSegment reserveFresh(SegmentSpec spec) {
        String name = spec.name() != null ? spec.name() : SegmentNames.generate();
        if (Files.exists(path.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
            throw new SegmentExistsException("segment already exists: name=" + name + ", dir=" + path
                    + "; choose another name or remove it with `shm4j rm " + name + "`");
        }
        checkDirectory();
        ProcessIdentity self = ProcessIdentity.current();
        Path temp = path.resolve(SegmentNames.tempName(self));
        long generation = SegmentNames.newGeneration();
        long created = System.currentTimeMillis();
        int fd;
        try {
            fd = Native.openExclusive(temp.toString(), spec.mode());
        } catch (Native.ErrnoException e) {
            throw errnoFailure("create", name, spec.size(), e);
        }
        OwnedSegments.track(temp, 0);
        Arena arena = null;
        try {
            try {
                if (spec.mode() != SegmentSpec.DEFAULT_MODE) {
                    Files.setPosixFilePermissions(temp, permissions(spec.mode())); // not subject to umask
                }
                SegmentMetadata meta = new SegmentMetadata(spec.kind(), spec.lifetime(), spec.owner(),
                        generation, created, spec.mutable());
                xattrs(temp).write(SegmentMetadata.XATTR, ByteBuffer.wrap(meta.encode()));
                if (spec.size() > 0) {
                    Native.posixFallocate(fd, 0, spec.size());
                }
                arena = Arena.ofShared();
                MemorySegment memory = Native.mmap(fd, spec.size(), true, arena);
                if (spec.hugePages()) {
                    adviseHugePages(memory);
                }
                PendingSegment pending = new PendingSegment(this, spec, name, temp, generation, created, arena,
                        memory, false, false, fd);
                fd = -1; // the pending segment owns it now
                return pending;
            } finally {
                if (fd >= 0) {
                    Native.close(fd);
                }
            }
        } catch (Native.ErrnoException e) {
            abandon(temp, arena);
            throw errnoFailure("reserve", name, spec.size(), e);
        } catch (IOException e) {
            abandon(temp, arena);
            if (isNoSpace(e)) {
                throw outOfMemory(name, spec.size());
            }
            throw ioFailure("create", name, path, e);
        } catch (RuntimeException | Error e) {
            abandon(temp, arena);
            throw e;
        }
    }

    /**
     * Reserves a segment over the pages of an existing file ({@code stock}: a file of this
     * directory's filesystem that the caller owns and keeps out of sight, for example an evicted
     * object of a store), instead of allocating and zeroing new ones: the file is renamed to a
     * temporary name, cut or extended to {@code spec.size()} ({@code ftruncate}, then
     * {@code posix_fallocate} of any new tail), stripped of every {@code user.*} attribute,
     * given new metadata and mapped read-write. The memory holds the old bytes
     * ({@link PendingSegment#recycled()}): the writer must write every byte; nothing past
     * {@code spec.size()} survives the truncation.
     *
     * <p>Only a file that nobody else has open or mapped is taken (checked with a write lease,
     * which the kernel grants only then): a reader of the old file keeps its bytes. Otherwise,
     * or if {@code stock} is not a regular file, returns empty and leaves {@code stock} alone.
     *
     * @throws OutOfSharedMemoryException if the extended tail does not fit
     */
    public Optional<PendingSegment> recycle(SegmentSpec spec, Path stock) {
        return recycle(spec, stock, null);
    }

    /**
     * Like {@link #recycle(SegmentSpec, Path)}, reusing {@code kept} — this process's kept
     * writable mapping of {@code stock} ({@link PendingSegment#publishKeepingMapping()}) — if it
     * maps that very file and is at least {@code spec.size()} large: the check that nobody else
     * has the file open or mapped is made on the kept descriptor (the kept mapping is this
     * process's own), and the pending segment's memory is the kept mapping, with its page-table
     * entries. On success the pending segment owns {@code kept}; a kept mapping of {@code stock}
     * too small for {@code spec} is closed here (then fresh mappings are used); otherwise (empty,
     * or an exception) the caller still owns it and should close it.
     *
     * @param kept null for fresh mappings
     */
    public Optional<PendingSegment> recycle(SegmentSpec spec, Path stock, KeptMapping kept) {
        if (kept != null && (!kept.isOpen() || kept.size() < spec.size() || spec.size() == 0 || !kept.isAt(stock))) {
            if (kept.isAt(stock)) {
                kept.close(); // a mapping of this file that cannot serve: its descriptor would fail the check below
            }
            kept = null;
        }
        String name = spec.name() != null ? spec.name() : SegmentNames.generate();
        checkDirectory();
        try {
            if (!Files.isRegularFile(stock, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
        } catch (SecurityException e) {
            return Optional.empty();
        }
        int fd;
        if (kept != null) {
            fd = kept.fd();
        } else {
            try {
                fd = Native.openExisting(stock.toString(), true);
            } catch (Native.ErrnoException e) {
                return Optional.empty();
            }
        }
        ProcessIdentity self = ProcessIdentity.current();
        Path temp = path.resolve(SegmentNames.tempName(self));
        long generation = SegmentNames.newGeneration();
        long created = System.currentTimeMillis();
        Arena arena = null;
        boolean moved = false;
        boolean ownFd = kept == null; // a kept mapping's descriptor stays the caller's until taken over
        try {
            try {
                if (!Native.isOpenOnlyHere(fd)) {
                    return Optional.empty(); // someone still maps or opened the old bytes
                }
                if (kept != null) {
                    if (!kept.takeOver()) {
                        return Optional.empty(); // closed meanwhile (its descriptor too)
                    }
                    ownFd = true;
                    arena = kept.arena();
                }
                long old = Native.fileSize(fd);
                Files.move(stock, temp, StandardCopyOption.ATOMIC_MOVE);
                moved = true;
                OwnedSegments.track(temp, 0);
                Native.ftruncate(fd, spec.size());
                if (spec.size() > old) {
                    Native.posixFallocate(fd, old, spec.size() - old);
                }
                UserDefinedFileAttributeView view = xattrs(temp);
                for (String attr : view.list()) {
                    view.delete(attr);
                }
                Files.setPosixFilePermissions(temp, permissions(spec.mode()));
                SegmentMetadata meta = new SegmentMetadata(spec.kind(), spec.lifetime(), spec.owner(),
                        generation, created, spec.mutable());
                view.write(SegmentMetadata.XATTR, ByteBuffer.wrap(meta.encode()));
                MemorySegment memory;
                if (kept != null) {
                    arena = kept.arena();
                    memory = kept.memory(); // the whole mapping; the pending segment uses spec.size() of it
                } else {
                    arena = Arena.ofShared();
                    memory = Native.mmap(fd, spec.size(), true, arena);
                    if (spec.hugePages()) {
                        adviseHugePages(memory);
                    }
                }
                PendingSegment pending = new PendingSegment(this, spec, name, temp, generation, created, arena,
                        memory, true, kept != null, fd);
                fd = -1; // the pending segment owns it now
                return Optional.of(pending);
            } finally {
                if (fd >= 0 && ownFd) {
                    Native.close(fd);
                }
            }
        } catch (Native.ErrnoException e) {
            abandonRecycled(moved, temp, arena);
            throw errnoFailure("reserve", name, spec.size(), e);
        } catch (IOException e) {
            abandonRecycled(moved, temp, arena);
            if (isNoSpace(e)) {
                throw outOfMemory(name, spec.size());
            }
            throw ioFailure("recycle", name, path, e);
        } catch (RuntimeException | Error e) {
            abandonRecycled(moved, temp, arena);
            throw e;
        }
    }

    private void abandonRecycled(boolean moved, Path temp, Arena arena) {
        if (moved) {
            abandon(temp, arena);
        } else if (arena != null) {
            arena.close(); // a kept mapping taken over before the file was moved
        }
    }

    private void abandon(Path temp, Arena arena) {
        if (arena != null) {
            arena.close();
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // gc removes it once this process is gone
        }
        OwnedSegments.untrack(temp);
    }

    private void checkDirectory() {
        if (!Files.isDirectory(path)) {
            throw new SegmentException("shm directory does not exist or is not a directory: dir=" + path
                    + "; create it or point " + Settings.DIR_PROPERTY + " / " + Settings.DIR_ENV
                    + " at a tmpfs such as /dev/shm");
        }
    }

    // ---------------------------------------------------------------- attach

    /** Attaches a segment by name. Foreign files (no shm4j metadata) attach as raw bytes. */
    public Segment attach(String name, Access access) {
        return open(SegmentNames.validate(name), access, null, false);
    }

    /** Attaches exactly the incarnation {@code ref} names. */
    public Segment attach(SegmentRef ref, Access access) {
        return open(SegmentNames.validate(ref.name()), access, ref, false);
    }

    /** Attaches a scoped segment owned by this process and takes the owning handle. */
    public Segment adopt(SegmentRef ref) {
        return open(SegmentNames.validate(ref.name()), null, ref, true);
    }

    /**
     * Opens the file once and takes everything from that descriptor (size by {@code lseek},
     * metadata by {@code fgetxattr}, the mapping), so a name replaced meanwhile can never mix
     * the checks of one file with the bytes of another, and a mapping never reaches past the
     * end of the file it maps.
     *
     * @param access null for adopt (read-write if mutable)
     */
    private Segment open(String name, Access access, SegmentRef expected, boolean adopt) {
        Path file = path.resolve(name);
        PosixFileAttributes attrs = stat(name, file);
        checkRegular(name, attrs);
        boolean wantWrite = access == Access.READ_WRITE;
        int fd;
        try {
            fd = Native.openExisting(file.toString(), wantWrite || adopt);
        } catch (Native.ErrnoException e) {
            throw openFailure(name, e);
        }
        Arena arena = null;
        try {
            Native.Stat st = Native.fstat(fd);
            if (!st.isRegularFile()) { // swapped in after the stat above: a FIFO, socket or device
                throw new NotASegmentException("not a segment: name=" + SegmentNames.quote(name) + ", dir=" + path
                        + ", type=" + st.typeName() + "; segments are regular files");
            }
            long size = Native.fileSize(fd);
            SegmentInfo info = toInfo(name, file, attrs, size,
                    Native.getXattr(fd, "user." + SegmentMetadata.XATTR));
            if (expected != null) {
                if (info.generation() != expected.generation()) {
                    throw new StaleSegmentException("segment was replaced: name=" + name
                            + ", generation=" + Long.toHexString(expected.generation()) + ", current="
                            + Long.toHexString(info.generation())
                            + "; the object the ref named is gone, ask its producer for a new ref");
                }
                if (info.size() != expected.size()) {
                    throw new NotASegmentException("segment size changed: name=" + name + ", expected="
                            + expected.size() + ", actual=" + info.size()
                            + "; another process truncated or extended it");
                }
            }
            if (adopt) {
                if (info.lifetime() != Lifetime.SCOPED || !ProcessIdentity.current().equals(info.owner())) {
                    throw new SegmentException("cannot adopt a segment this process does not own: name="
                            + name + ", lifetime=" + info.lifetime() + ", owner=" + info.owner()
                            + ", self=" + ProcessIdentity.current() + "; attach it instead");
                }
                wantWrite = info.mutable();
            }
            if (wantWrite && !info.mutable() && !info.foreign()) {
                throw new SegmentPermissionException("segment is immutable: name=" + name
                        + ", kind=" + info.kind().label()
                        + "; attach it READ_ONLY, or create it mutable to share writes");
            }
            if (wantWrite && info.foreign() && size > 0) {
                // A file sized with ftruncate (Python's SharedMemory) is sparse: reserve its pages
                // now, so that a write on a full tmpfs fails here and never as a SIGBUS later.
                Native.posixFallocate(fd, 0, size);
            }
            arena = Arena.ofShared();
            MemorySegment memory = Native.mmap(fd, size, wantWrite, arena);
            if (Settings.hugePages()) {
                adviseHugePages(memory);
            }
            if (adopt) {
                OwnedSegments.track(file, info.generation());
            }
            return new Segment(this, info, arena, memory, adopt);
        } catch (Native.ErrnoException e) {
            if (arena != null) {
                arena.close();
            }
            throw errnoFailure("attach", name, -1, e);
        } catch (RuntimeException | Error e) {
            if (arena != null) {
                arena.close();
            }
            throw e;
        } finally {
            Native.close(fd);
        }
    }

    /** The file's attributes, not following links; a missing file is {@link NoSuchSegmentException}. */
    private PosixFileAttributes stat(String name, Path file) {
        try {
            return Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw noSuchSegment(name);
        } catch (IOException e) {
            throw ioFailure("stat", name, path, e);
        }
    }

    private SegmentException openFailure(String name, Native.ErrnoException e) {
        return switch (e.errno()) {
            case Native.ENOENT -> noSuchSegment(name);
            case Native.EACCES, Native.EPERM -> new SegmentPermissionException("permission denied: op=attach"
                    + ", name=" + name + ", dir=" + path + ", errno=" + e.errno()
                    + "; the segment belongs to another user or its mode forbids this", e);
            case Native.ELOOP, Native.EISDIR -> new NotASegmentException("not a segment: name=" + name
                    + ", dir=" + path + "; segments are regular files", e);
            default -> new SegmentException("attach failed: name=" + name + ", dir=" + path + ", "
                    + e.getMessage(), e);
        };
    }

    private NoSuchSegmentException noSuchSegment(String name) {
        return new NoSuchSegmentException("no such segment: name=" + name + ", dir=" + path
                + "; list segments with `shm4j ls`");
    }

    private static void adviseHugePages(MemorySegment memory) {
        try {
            Native.madvise(memory, Native.MADV_HUGEPAGE);
        } catch (Native.ErrnoException e) {
            // Not supported by this kernel or filesystem: 4 KiB pages work the same, only slower to fault in.
        }
    }

    // ---------------------------------------------------------------- inspect

    /**
     * What the directory says about {@code name}.
     *
     * @throws NoSuchSegmentException if there is no such file
     * @throws NotASegmentException if it is not a regular file or its metadata is damaged
     */
    public SegmentInfo info(String name) {
        SegmentNames.validate(name);
        Path file = path.resolve(name);
        PosixFileAttributes attrs = stat(name, file);
        return describe(name, file, attrs);
    }

    /** Like {@link #info(String)} but empty when there is no such file. */
    public Optional<SegmentInfo> find(String name) {
        try {
            return Optional.of(info(name));
        } catch (NoSuchSegmentException e) {
            return Optional.empty();
        }
    }

    private SegmentInfo describe(String name, Path file, PosixFileAttributes attrs) {
        checkRegular(name, attrs);
        return toInfo(name, file, attrs, attrs.size(), readXattr(file));
    }

    private void checkRegular(String name, PosixFileAttributes attrs) {
        if (!attrs.isRegularFile()) {
            throw new NotASegmentException("not a segment: name=" + name + ", dir=" + path
                    + ", type=" + (attrs.isDirectory() ? "directory" : attrs.isSymbolicLink()
                            ? "symlink" : "special file") + "; segments are regular files");
        }
    }

    private SegmentInfo toInfo(String name, Path file, PosixFileAttributes attrs, long size, byte[] raw) {
        int mode = mode(attrs.permissions());
        if (raw == null) {
            return new SegmentInfo(name, file, SegmentKind.FOREIGN, size, null, null, false,
                    attrs.lastModifiedTime().toInstant(), 0, true, mode);
        }
        SegmentMetadata m;
        try {
            m = SegmentMetadata.decode(raw);
        } catch (IllegalArgumentException e) {
            throw new NotASegmentException("damaged shm4j metadata: name=" + name + ", dir=" + path
                    + ", problem=" + e.getMessage() + "; remove it with `shm4j rm " + name + "`");
        }
        return new SegmentInfo(name, file, m.kind(), size, m.lifetime(), m.owner(),
                m.ownerMayBeAlive(), Instant.ofEpochMilli(m.createdMillis()), m.generation(),
                m.mutable(), mode);
    }

    /** The shm4j segments in the directory, by name. Foreign files are left out. */
    public List<SegmentInfo> list() {
        return list(false);
    }

    /** Every regular file in the directory but shm4j's temporary files, foreign ones included. */
    public List<SegmentInfo> listAll() {
        return list(true);
    }

    private List<SegmentInfo> list(boolean includeForeign) {
        List<SegmentInfo> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(path)) {
            for (Path file : ds) {
                String name = file.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                try {
                    PosixFileAttributes attrs = Files.readAttributes(file, PosixFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    if (!attrs.isRegularFile()) {
                        continue;
                    }
                    SegmentInfo info = describe(name, file, attrs);
                    if (includeForeign || !info.foreign()) {
                        out.add(info);
                    }
                } catch (NotASegmentException | IOException e) {
                    // vanished meanwhile or damaged: not listed (info NAME reports the problem)
                }
            }
        } catch (IOException e) {
            throw ioFailure("list", "*", path, e);
        }
        out.sort(Comparator.comparing(SegmentInfo::name));
        return out;
    }

    // ---------------------------------------------------------------- remove

    /**
     * Removes a segment by name. Mappings stay valid until closed. Only what shm4j created is
     * removed: a foreign file (no shm4j metadata), a file of another user, a directory, a link
     * or a special file is refused — {@link #remove(String, boolean)} with {@code force} removes
     * those.
     *
     * @throws NoSuchSegmentException if there is no such segment
     * @throws NotASegmentException if the name is not a shm4j segment of this user
     */
    public void remove(String name) {
        remove(name, false);
    }

    /**
     * Removes a name (what {@code shm4j rm [--force]} does). Without {@code force}, like
     * {@link #remove(String)}. With {@code force}, also foreign files, other users' files (as far
     * as the directory's sticky bit lets this user), links (the link itself, never what it points
     * to), special files and empty directories.
     *
     * @throws NoSuchSegmentException if there is no such name
     */
    public void remove(String name, boolean force) {
        SegmentNames.validate(name);
        Path file = path.resolve(name);
        try {
            PosixFileAttributes attrs = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!force) {
                String why = attrs.isDirectory() ? "a directory" : attrs.isSymbolicLink() ? "a symbolic link"
                        : !attrs.isRegularFile() ? "a special file"
                        : !ownedByThisUser(file) ? "another user's file"
                        : readXattr(file) == null ? "a foreign file (no shm4j metadata)" : null;
                if (why != null) {
                    throw new NotASegmentException("not removed: name=" + SegmentNames.quote(name) + ", dir=" + path
                            + " is " + why + "; shm4j removes only what it created (`shm4j rm --force` removes it anyway)");
                }
            }
            Files.delete(file);
            OwnedSegments.untrack(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchSegmentException("no such segment: name=" + SegmentNames.quote(name) + ", dir=" + path
                    + "; list segments with `shm4j ls`");
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            throw new NotASegmentException("not removed: name=" + SegmentNames.quote(name) + ", dir=" + path
                    + " is a directory that is not empty; shm4j never removes a directory tree", e);
        } catch (IOException e) {
            throw ioFailure("remove", name, path, e);
        }
    }

    private static boolean ownedByThisUser(Path file) throws IOException {
        Object uid = Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        return uid instanceof Integer u && u == EUID;
    }

    private static final int EUID = Native.geteuid();

    /**
     * Removes the scoped segments whose owner is dead and the temporary files of dead creators.
     * Never touches a live owner's files, persistent segments, or files that are not shm4j's.
     */
    public GcReport gc(boolean dryRun) {
        List<String> segments = new ArrayList<>();
        List<String> temps = new ArrayList<>();
        long bytes = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(path)) {
            for (Path file : ds) {
                String name = file.getFileName().toString();
                try {
                    PosixFileAttributes attrs = Files.readAttributes(file, PosixFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    if (!attrs.isRegularFile()) {
                        continue;
                    }
                    Optional<ProcessIdentity> creator = SegmentNames.tempCreator(name);
                    if (creator.isPresent()) {
                        // The name alone proves nothing (anyone can plant it): a temporary file is
                        // ours if it carries shm4j metadata, or is the empty file a creator that
                        // died before writing the metadata left, owned by this user.
                        if (isUnfinishedOfDead(file, attrs, creator.get()) && (dryRun || deleteTemp(file))) {
                            temps.add(name);
                            bytes += attrs.size();
                        }
                        continue;
                    }
                    if (name.startsWith(".")) {
                        continue;
                    }
                    byte[] raw = readXattr(file);
                    if (raw == null) {
                        continue;
                    }
                    SegmentMetadata m = SegmentMetadata.decode(raw);
                    if (m.lifetime() == Lifetime.SCOPED && !m.ownerMayBeAlive()) {
                        if (dryRun || OwnedSegments.removeIfSame(file, m.generation())) {
                            segments.add(name);
                            bytes += attrs.size();
                        }
                    }
                } catch (IOException | IllegalArgumentException e) {
                    // vanished meanwhile, or metadata this version cannot read: leave it alone
                }
            }
        } catch (IOException e) {
            throw ioFailure("gc", "*", path, e);
        }
        segments.sort(null);
        temps.sort(null);
        return new GcReport(segments, temps, bytes, dryRun);
    }

    /**
     * Removes the unfinished creations ({@code .shm4j-tmp.PID.START.*}) of {@code creator} if it
     * is dead, judged as {@link #gc} judges them (for the store's crash recovery).
     *
     * @return how many files were removed
     */
    public int removeUnfinished(ProcessIdentity creator) {
        int n = 0;
        String glob = SegmentNames.TEMP_PREFIX + creator.pid() + "." + creator.startTicks() + ".*";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(path, glob)) {
            for (Path file : ds) {
                try {
                    PosixFileAttributes attrs = Files.readAttributes(file, PosixFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    if (attrs.isRegularFile() && SegmentNames.tempCreator(file.getFileName().toString())
                            .filter(creator::equals).isPresent()
                            && isUnfinishedOfDead(file, attrs, creator) && deleteTemp(file)) {
                        n++;
                    }
                } catch (IOException e) {
                    // vanished meanwhile
                }
            }
        } catch (IOException e) {
            // nothing to remove
        }
        return n;
    }

    /**
     * Whether a file under a temporary name is an unfinished creation of a dead process. The
     * name alone proves nothing (anyone can plant it): it must carry shm4j metadata (whose pid
     * namespace decides how the creator's liveness is judged), or be the empty file a creator
     * that died before writing the metadata left, owned by this user.
     */
    private static boolean isUnfinishedOfDead(Path file, PosixFileAttributes attrs, ProcessIdentity creator)
            throws IOException {
        byte[] raw = readXattr(file);
        if (raw != null) {
            try {
                return !creator.mayBeAlive(SegmentMetadata.decode(raw).pidNamespace());
            } catch (IllegalArgumentException e) {
                return false; // metadata this version cannot read
            }
        }
        return attrs.size() == 0 && ownedByThisUser(file) && !creator.isAlive();
    }

    private static boolean deleteTemp(Path file) {
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static UserDefinedFileAttributeView xattrs(Path file) {
        return Files.getFileAttributeView(file, UserDefinedFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
    }

    /** The shm4j metadata bytes of a file, or null if it has none. */
    static byte[] readXattr(Path file) {
        UserDefinedFileAttributeView view = xattrs(file);
        try {
            if (!view.list().contains(SegmentMetadata.XATTR)) {
                return null;
            }
            ByteBuffer buf = ByteBuffer.allocate(view.size(SegmentMetadata.XATTR));
            view.read(SegmentMetadata.XATTR, buf);
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        } catch (IOException e) {
            return null;
        }
    }

    /** The generation in a file's metadata, or null. */
    static Long readGeneration(Path file) {
        byte[] raw = readXattr(file);
        if (raw == null) {
            return null;
        }
        try {
            return SegmentMetadata.decode(raw).generation();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private OutOfSharedMemoryException outOfMemory(String name, long requested) {
        return new OutOfSharedMemoryException("out of shared memory: name=" + name
                + ", requested=" + requested + " bytes, free=" + freeBytes() + " bytes, dir=" + path
                + "; free space (`shm4j ls`, `shm4j gc`, `shm4j rm`), create a smaller segment,"
                + " or use a larger tmpfs (" + Settings.DIR_PROPERTY + ")");
    }

    private SegmentException errnoFailure(String op, String name, long size, Native.ErrnoException e) {
        return switch (e.errno()) {
            case Native.ENOSPC, Native.EFBIG -> {
                OutOfSharedMemoryException x = outOfMemory(name, size);
                x.initCause(e);
                yield x;
            }
            case Native.EACCES, Native.EPERM -> new SegmentPermissionException("permission denied: op="
                    + op + ", name=" + name + ", dir=" + path + ", errno=" + e.errno()
                    + "; check the directory's permissions or choose another shm directory", e);
            case Native.ENOENT -> new SegmentException("shm directory does not exist: dir=" + path
                    + "; create it or point " + Settings.DIR_PROPERTY + " at a tmpfs", e);
            default -> new SegmentException(op + " failed: name=" + name + ", dir=" + path
                    + ", size=" + size + ", " + e.getMessage(), e);
        };
    }

    static SegmentException ioFailure(String op, String name, Path dir, IOException e) {
        if (e instanceof AccessDeniedException) {
            return new SegmentPermissionException("permission denied: op=" + op + ", name=" + name
                    + ", dir=" + dir + "; the segment belongs to another user or its mode forbids this", e);
        }
        if (e instanceof NoSuchFileException) {
            return new NoSuchSegmentException("no such segment: name=" + name + ", dir=" + dir
                    + "; list segments with `shm4j ls`", e);
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null
                && fse.getReason().contains("not supported")) {
            return new SegmentException(op + " failed: name=" + name + ", dir=" + dir
                    + ": the filesystem lacks user extended attributes (tmpfs has them since Linux 6.6); "
                    + "point " + Settings.DIR_PROPERTY + " at a filesystem that has them", e);
        }
        return new SegmentException(op + " failed: name=" + name + ", dir=" + dir + ", error=" + e, e);
    }

    private static boolean isNoSpace(IOException e) {
        return e.getMessage() != null && e.getMessage().contains("No space left");
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE};
        for (int i = 0; i < 9; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }

    private static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        PosixFilePermission[] order = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < order.length; i++) {
            if (perms.contains(order[i])) {
                mode |= 0400 >> i;
            }
        }
        return mode;
    }

    @Override
    public String toString() {
        return "ShmDirectory[" + path + "]";
    }
}
