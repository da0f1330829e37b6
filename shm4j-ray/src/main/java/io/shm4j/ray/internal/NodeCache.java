package io.shm4j.ray.internal;

import io.shm4j.pool.PoolException;
import io.shm4j.segment.Access;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The copies, on one node, of segments that live on the driver's node: the first task on the
 * node that needs a segment fetches its image (the segment's bytes: the {@code .npy} or Arrow
 * IPC file itself) in chunks from the driver's node, under a per-node lock so that one process
 * fetches, into a node-local shm4j segment of the same kind; every later task on the node, in
 * any worker process, maps that copy (it is a plain segment: Python processes there can open it
 * too).
 *
 * <pre>
 *  copy name:  shm4j-raycache-&lt;32 hex: sha256(driver node key | name | generation)&gt;
 *  lock file:  .shm4j-ray-fetch.lock   (an exclusive file lock while one process fetches)
 *  stats:      shm4j-ray-stats          (persistent raw segment: word 0 fetches, word 1 bytes fetched)
 * </pre>
 *
 * <p>Capacity: the copies of a node take at most {@code capacityBytes} (0: half the shm
 * directory's size); the oldest copies are removed to make room (unlinking is safe under
 * tasks that map them). A copy is scoped to the worker process that fetched it, so it is
 * reclaimed ({@code gc}) once the job's workers are gone.
 *
 * <p>Thread-safe and process-safe (the file lock); the lock file is opened without following
 * links and must be a regular file.
 */
public final class NodeCache {
    /** Reads a chunk of a segment of the driver's node. */
    @FunctionalInterface
    public interface ImageSource {
        /** {@code length} bytes of {@code ref} from {@code offset}. */
        byte[] read(SegmentRef ref, long offset, int length);
    }

    static final String PREFIX = "shm4j-raycache-";
    static final String STATS = "shm4j-ray-stats";
    private static final String LOCK = ".shm4j-ray-fetch.lock";
    private static final ReentrantLock IN_PROCESS = new ReentrantLock(); // a FileLock is per process

    private final ShmDirectory dir;
    private final String driverNode;
    private final ImageSource source;
    private final long capacityBytes;
    private final int chunkBytes;

    /**
     * A cache in {@code dir} of segments of the node {@code driverNode}.
     *
     * @param chunkBytes the most bytes per read from the source (under 2 GiB, Ray's object limit)
     */
    public NodeCache(ShmDirectory dir, String driverNode, ImageSource source, long capacityBytes, int chunkBytes) {
        this.dir = dir;
        this.driverNode = driverNode;
        this.source = source;
        this.capacityBytes = capacityBytes;
        this.chunkBytes = chunkBytes;
    }

    /** The name of the local copy of {@code ref}. */
    String copyName(SegmentRef ref) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((driverNode + "|" + ref.name() + "|" + ref.generation()).getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(md.digest(), 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The ref of the local copy of {@code ref}, fetched now if this node has none.
     *
     * @throws UnsupportedOperationException for {@link Access#READ_WRITE}: a write to a copy would
     *     not reach the driver's segment
     */
    public SegmentRef local(SegmentRef ref, Access access) {
        if (access == Access.READ_WRITE) {
            throw new UnsupportedOperationException("a segment of the driver's node cannot be written from another"
                    + " node: name=" + ref.name() + "; write results with ctx.publishResult (they travel back), or"
                    + " keep the pool on the driver's node (RayPool.resources)");
        }
        String name = copyName(ref);
        Optional<SegmentInfo> have = dir.find(name);
        if (have.isPresent()) {
            return have.get().ref();
        }
        IN_PROCESS.lock();
        try (FileChannel ch = lockFile(); FileLock lock = ch.lock()) {
            have = dir.find(name); // another process fetched it while this one waited
            if (have.isPresent()) {
                return have.get().ref();
            }
            return fetch(ref, name);
        } catch (IOException e) {
            throw new PoolException("cannot lock the node cache: dir=" + dir.path() + ", error=" + e
                    + "; check the shm directory's permissions", e);
        } finally {
            IN_PROCESS.unlock();
        }
    }

    private FileChannel lockFile() throws IOException {
        Path p = dir.path().resolve(LOCK);
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            ch.close();
            throw new IOException("not a regular file: " + p);
        }
        return ch;
    }

    private SegmentRef fetch(SegmentRef ref, String name) {
        makeRoom(ref.size());
        try (PendingSegment p = dir.reserve(ShmOptions.named(name).in(dir).spec(ref.size(), ref.kind()))) {
            MemorySegment m = p.memory();
            for (long off = 0; off < ref.size(); off += chunkBytes) {
                int n = (int) Math.min(chunkBytes, ref.size() - off);
                byte[] chunk = source.read(ref, off, n);
                if (chunk.length != n) {
                    throw new PoolException("short chunk from the driver's node: name=" + ref.name() + ", offset=" + off
                            + ", expected=" + n + ", got=" + chunk.length);
                }
                MemorySegment.copy(chunk, 0, m, ValueLayout.JAVA_BYTE, off, n);
            }
            Segment s = p.publish();
            SegmentRef local = s.ref();
            s.closeWithoutUnlink(); // stays for later tasks; scoped to this process, reclaimed by gc after it
            count(ref.size());
            return local;
        }
    }

    private void makeRoom(long size) {
        long capacity = capacityBytes > 0 ? capacityBytes : dir.totalBytes() / 2;
        if (size > capacity) {
            throw new PoolException("the node cache cannot hold the segment: size=" + size + ", capacity=" + capacity
                    + ", dir=" + dir.path() + "; raise the cache capacity (ray.cache-bytes) or split the data");
        }
        List<SegmentInfo> copies = dir.list().stream().filter(i -> i.name().startsWith(PREFIX))
                .sorted(Comparator.comparing(SegmentInfo::created)).toList();
        long used = copies.stream().mapToLong(SegmentInfo::size).sum();
        for (SegmentInfo old : copies) {
            if (used + size <= capacity) {
                break;
            }
            try {
                dir.remove(old.name(), true); // mappings of running tasks stay valid
                used -= old.size();
            } catch (RuntimeException e) {
                // gone already
            }
        }
    }

    private void count(long bytes) {
        Segment s;
        try {
            s = dir.attach(STATS, Access.READ_WRITE);
        } catch (RuntimeException e) {
            try {
                s = Segment.create(ShmOptions.named(STATS).in(dir).persistent().asMutable(), 64);
            } catch (RuntimeException again) {
                return; // counting is best effort
            }
        }
        MemorySegment m = s.memory();
        m.set(ValueLayout.JAVA_LONG, 0, m.get(ValueLayout.JAVA_LONG, 0) + 1); // under the node lock
        m.set(ValueLayout.JAVA_LONG, 8, m.get(ValueLayout.JAVA_LONG, 8) + bytes);
        s.closeWithoutUnlink(); // unmaps; the counters stay for the node
    }

    /** The fetches and bytes fetched on the node whose shm directory is {@code dir}, so far. */
    public static long[] stats(ShmDirectory dir) {
        try (Segment s = dir.attach(STATS, Access.READ_ONLY)) {
            return new long[] {s.memory().get(ValueLayout.JAVA_LONG, 0), s.memory().get(ValueLayout.JAVA_LONG, 8)};
        } catch (RuntimeException e) {
            return new long[] {0, 0};
        }
    }
}
