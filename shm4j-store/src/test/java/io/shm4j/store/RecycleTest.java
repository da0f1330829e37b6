package io.shm4j.store;

import static io.shm4j.store.StoreTesting.KB;
import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.array.SharedArray;
import io.shm4j.segment.Access;
import io.shm4j.segment.Segment;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Processes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Page stock (docs/store.md): a put that evicts an unpinned object writes into that object's
 * pages, and never shows a byte of the old object — not past its end, not in gaps a codec
 * leaves — nor takes pages someone still maps.
 */
class RecycleTest {
    private static final int MB = 1 << 20;

    private static Object inode(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino");
    }

    /**
     * Whether this process maps a file of the shm directory with inode {@code ino} (the path a
     * mapping shows is the name it was opened under, a temporary name, so the inode is compared).
     */
    private static boolean mapped(Object ino) {
        String dir = ShmDirectory.current().path().toString() + "/";
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().map(l -> l.trim().split("\\s+"))
                    .anyMatch(f -> f.length >= 6 && f[4].equals(ino.toString()) && f[5].startsWith(dir));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Opens a store with kept mappings (shm4j.store.keepMappings, read when this process connects). */
    private static ObjectStore kept(ObjectStoreConfig config) {
        return withKeepMappings("true", config);
    }

    /** Opens a store that keeps no mappings. */
    private static ObjectStore unkept(ObjectStoreConfig config) {
        return withKeepMappings("false", config);
    }

    private static ObjectStore withKeepMappings(String value, ObjectStoreConfig config) {
        System.setProperty("shm4j.store.keepMappings", value);
        try {
            return ObjectStore.open(config);
        } finally {
            System.clearProperty("shm4j.store.keepMappings");
        }
    }

    /** Kilobytes resident in this process's writable shared mappings of inode {@code ino} (/proc/self/smaps). */
    private static long writableRssKb(Object ino) {
        long kb = 0;
        boolean in = false;
        java.util.List<String> smaps;
        try {
            smaps = Files.readAllLines(Path.of("/proc/self/smaps"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (String line : smaps) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 5 && f[0].matches("[0-9a-f]+-[0-9a-f]+")) {
                in = f[1].equals("rw-s") && f[4].equals(ino.toString());
            } else if (in && f[0].equals("Rss:")) {
                kb += Long.parseLong(f[1]);
            }
        }
        return kb;
    }

    private static Path file(ObjectRef<?> ref) {
        return ShmDirectory.current().path().resolve(ref.name());
    }

    private static MemorySegment filled(Arena arena, long size, byte value) {
        MemorySegment s = arena.allocate(size);
        s.fill(value);
        return s;
    }

    @Test
    void shouldPutIntoAnEvictedObjectsPagesWithNothingOfItLeft() throws IOException {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("recycle", 4 * MB));
                Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> old = store.put(filled(arena, 3 * MB, (byte) 0xAB));
            Object oldInode = inode(file(old));
            store.release(old);

            // a smaller .npy object: header, data, and nothing of the 3 MB after its end
            double[] values = new double[200_000];
            for (int i = 0; i < values.length; i++) {
                values[i] = i * 0.5;
            }
            ObjectRef<SharedArray> array = store.putArray(values);

            assertThat(store.contains(old)).as("evicted").isFalse();
            Path p = file(array);
            assertThat(inode(p)).as("the evicted object's file was reused").isEqualTo(oldInode);
            assertThat(Files.size(p)).isEqualTo(array.size());
            byte[] onDisk = Files.readAllBytes(p);
            try (SharedArray expected = SharedArray.copyOf(io.shm4j.segment.ShmOptions.defaults(), values)) {
                byte[] fresh = Files.readAllBytes(expected.path());
                assertThat(onDisk).as("byte for byte what a fresh array holds").isEqualTo(fresh);
            }
            SharedArray got = store.get(array);
            assertThat(got.sum()).isEqualTo((double) values.length * (values.length - 1) / 4.0);
            store.release(array);
            store.release(array);
        }
    }

    @Test
    void shouldNotCutAFileOfMoreThanTwiceThePutDownToItAndFreeItsPagesByTheClose() throws IOException {
        Path dir = ShmDirectory.current().path();
        try (Arena arena = Arena.ofConfined()) {
            try (ObjectStore store = ObjectStore.open(StoreTesting.config("recycle-big", 4 * MB))) {
                ObjectRef<MemorySegment> old = store.put(filled(arena, 3 * MB, (byte) 0xAB));
                Object oldInode = inode(file(old));
                store.release(old);
                ObjectRef<MemorySegment> small = store.put(filled(arena, MB + 1, (byte) 0x11)); // 3 MB > 2 x it
                assertThat(store.contains(old)).as("evicted").isFalse();
                assertThat(inode(file(small))).as("fresh pages, not the 3 MB file cut down").isNotEqualTo(oldInode);
                assertThat(store.get(small).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsOnly((byte) 0x11);
                store.release(small);
                store.release(small);
                ObjectRef<MemorySegment> half = store.put(filled(arena, 3 * MB / 2, (byte) 0x22)); // evicts small
                assertThat(store.get(half).byteSize()).isEqualTo(3 * MB / 2);
                store.release(half);
                store.release(half);
            }
            assertThat(deletedFilesHeldIn(dir)).as("descriptors of dropped objects, after the close").isEmpty();
        }
    }

    /** This process's descriptors of deleted files in {@code dir} (what a background free still holds). */
    private static java.util.List<String> deletedFilesHeldIn(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return ""; // closed meanwhile
                }
            }).filter(t -> t.startsWith(dir.toString()) && t.endsWith(" (deleted)")).toList();
        }
    }

    @Test
    void shouldZeroRecycledPagesForACodecThatWritesOnlyPartOfItsObject() throws IOException {
        ObjectCodec<String> sparse = new ObjectCodec<>() {
            @Override
            public String id() {
                return "sparse";
            }

            @Override
            public boolean accepts(Object value) {
                return value instanceof String;
            }

            @Override
            public Encoded encode(String value) {
                byte[] b = value.getBytes(StandardCharsets.UTF_8);
                // 2 MB object, only the first bytes written: the rest must read as zeros
                return Encoded.of(2 * MB, t -> MemorySegment.copy(b, 0, t, ValueLayout.JAVA_BYTE, 0, b.length));
            }

            @Override
            public String decode(MemorySegment bytes) {
                return new String(bytes.asSlice(0, 5).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            }
        };
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("recycle-sparse", 4 * MB).withCodec(sparse));
                Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> old = store.put(filled(arena, 3 * MB, (byte) 0xCD));
            Object oldInode = inode(file(old));
            store.release(old);
            ObjectRef<String> ref = store.put("hello", sparse);
            assertThat(inode(file(ref))).isEqualTo(oldInode);
            byte[] bytes = Files.readAllBytes(file(ref));
            assertThat(bytes).hasSize(2 * MB);
            assertThat(new String(bytes, 0, 5, StandardCharsets.UTF_8)).isEqualTo("hello");
            for (int i = 5; i < bytes.length; i++) {
                if (bytes[i] != 0) {
                    throw new AssertionError("stale byte at offset=" + i + ": " + bytes[i]);
                }
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "kept mappings: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void shouldNotReuseAFileThisProcessStillMapsOutsideTheStore(boolean keep) throws IOException {
        ObjectStoreConfig config = StoreTesting.config("recycle-mapped", 5 * MB);
        try (ObjectStore store = keep ? kept(config) : unkept(config);
                Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> old = store.put(filled(arena, 3 * MB, (byte) 0xAB));
            Object oldInode = inode(file(old));
            try (Segment reader = ShmDirectory.current().attach(old.name(), Access.READ_ONLY)) { // no pin
                store.release(old);
                ObjectRef<MemorySegment> next = store.put(filled(arena, 3 * MB, (byte) 0x11));
                assertThat(store.contains(old)).isFalse();
                assertThat(inode(file(next))).as("fresh pages, not the mapped file's").isNotEqualTo(oldInode);
                assertThat(reader.memory().get(ValueLayout.JAVA_BYTE, 3 * MB - 1)).isEqualTo((byte) 0xAB);
                store.release(next);
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "kept mappings: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void shouldNotReuseAFileAPythonProcessMaps(boolean keep) throws Exception {
        ObjectStoreConfig config = StoreTesting.config("recycle-py", 5 * MB);
        try (ObjectStore store = keep ? kept(config) : unkept(config);
                Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> old = store.put(filled(arena, 3 * MB, (byte) 0xAB));
            Object oldInode = inode(file(old));
            ProcessBuilder pb = new ProcessBuilder(Processes.pythonExecutable(), "-c", """
                    import sys, numpy as np
                    a = np.memmap(sys.argv[1], dtype=np.uint8, mode='r')
                    print('mapped', flush=True)
                    sys.stdin.readline()
                    print(int(a.min()), int(a.max()), a.size, flush=True)
                    """, file(old).toString());
            Process py = pb.start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8));
                    Writer in = new java.io.OutputStreamWriter(py.getOutputStream(), StandardCharsets.UTF_8)) {
                assertThat(out.readLine()).isEqualTo("mapped");
                store.release(old);
                ObjectRef<MemorySegment> next = store.put(filled(arena, 3 * MB, (byte) 0x11));
                assertThat(inode(file(next))).isNotEqualTo(oldInode);
                in.write("go\n");
                in.flush();
                assertThat(out.readLine()).as("the reader still sees the old object").isEqualTo("171 171 " + 3 * MB);
                store.release(next);
            } finally {
                if (!py.waitFor(30, TimeUnit.SECONDS)) {
                    py.destroyForcibly().waitFor();
                }
            }
            assertThat(py.exitValue()).isZero();
        }
    }

    @Test
    void shouldRestoreIntoAnEvictedObjectsPages(@org.junit.jupiter.api.io.TempDir Path spill) throws IOException {
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("recycle-restore", 5 * MB, spill));
                Arena arena = Arena.ofConfined()) {
            byte[] payload = StoreTesting.checksummed(7, 3 * MB);
            ObjectRef<MemorySegment> a = store.put(StoreTesting.offHeap(arena, payload));
            store.release(a);
            ObjectRef<MemorySegment> b = store.put(filled(arena, 3 * MB, (byte) 0x22)); // spills a
            Object bInode = inode(file(b));
            store.release(b);
            MemorySegment back = store.get(a); // spills b, restores a into b's pages
            assertThat(inode(file(a))).isEqualTo(bInode);
            assertThat(StoreTesting.intact(back)).isTrue();
            assertThat(back.byteSize()).isEqualTo(payload.length);
            store.release(a);
        }
        assertThat(KB).isPositive();
    }

    @Test
    void shouldTouchTheKeptMappingOfARecycledFileInTheBackgroundByDefault() throws Exception {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("recycle-touch", 13 * MB));
                Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> a = store.put(filled(arena, 6 * MB, (byte) 0x11)); // one thread: pwrite only
            Object ino = inode(file(a));
            store.release(a);
            store.release(store.put(filled(arena, 6 * MB, (byte) 0x22)));
            ObjectRef<MemorySegment> c = store.put(filled(arena, 6 * MB, (byte) 0x5A)); // evicts a: its file
            assertThat(inode(file(c))).as("a's file, recycled").isEqualTo(ino);
            io.shm4j.testkit.Awaits.until("every page of the kept mapping touched", java.time.Duration.ofSeconds(20),
                    () -> writableRssKb(ino) >= 6 * 1024);
            assertThat(store.get(c).get(ValueLayout.JAVA_BYTE, 6 * MB - 1)).as("reading changed nothing").isEqualTo((byte) 0x5A);
            store.release(c);
            store.release(c);
        }
    }

    @Test
    void shouldRestoreStraightIntoATouchedKeptMappingAndStillCheckTheCrc(@org.junit.jupiter.api.io.TempDir Path spill)
            throws Exception {
        int size = 8 * MB;
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("recycle-warm-restore", size + 4 * MB, spill));
                Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> a = store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(31, size)));
            store.release(a);
            ObjectRef<MemorySegment> b = store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(32, size))); // spills a
            store.release(b);
            Object ino = inode(file(b));
            io.shm4j.testkit.Awaits.until("b's recycled file touched through its kept mapping", java.time.Duration.ofSeconds(20),
                    () -> writableRssKb(ino) >= size / 1024);
            assertThat(StoreTesting.intact(store.get(a))).as("a restored into b's pages (b spilled)").isTrue();
            assertThat(inode(file(a))).isEqualTo(ino);
            store.release(a);

            Path bSpill = spill.resolve(store.name()).resolve(b.name() + ".spill");
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(bSpill,
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                ch.read(one, 4096 + 12345);
                one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
                ch.write(one, 4096 + 12345);
            }
            io.shm4j.testkit.Awaits.until("a's file touched again", java.time.Duration.ofSeconds(20), () -> writableRssKb(ino) >= size / 1024);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.get(b))
                    .isInstanceOf(io.shm4j.store.SpillCorruptedException.class).hasMessageContaining("crc32c=");
            assertThat(store.contains(b)).isTrue();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "source: {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"shared", "confined", "heap"})
    void shouldKeepEveryByteRightWhenPutsReuseTheirKeptMappings(String source) throws IOException {
        long size = 40L * MB; // > KeptWrites.TWO_THREADS_MIN: the helper thread copies and touches chunks too
        // once every chunk is touched, puts copy in two halves with memcpy (KeptWrites.write)
        java.util.concurrent.atomic.AtomicInteger halves = new java.util.concurrent.atomic.AtomicInteger();
        io.shm4j.store.internal.TestHooks.keptCopy = what -> halves.incrementAndGet();
        try (ObjectStore store = kept(StoreTesting.config("recycle-kept", 2 * size + MB));
                Arena arena = source.equals("confined") ? Arena.ofConfined() : Arena.ofShared()) { // confined: the caller copies alone
            java.util.Set<Object> inodes = new java.util.HashSet<>();
            for (int i = 0; i < 8; i++) {
                byte[] bytes = StoreTesting.checksummed(100 + i, (int) size);
                ObjectRef<MemorySegment> ref = store.put(source.equals("heap") ? MemorySegment.ofArray(bytes)
                        : StoreTesting.offHeap(arena, bytes));
                inodes.add(inode(file(ref)));
                assertThat(StoreTesting.intact(store.get(ref))).as("put " + i).isTrue();
                byte[] onDisk = Files.readAllBytes(file(ref)); // through the file, not this process's mappings
                assertThat(StoreTesting.intact(MemorySegment.ofArray(onDisk))).as("file of put " + i).isTrue();
                store.release(ref);
                store.release(ref);
            }
            assertThat(inodes).as("from the third put on, every put reused an evicted object's file").hasSize(2);
            assertThat(halves).as("puts into pages all touched before, copied in halves").hasPositiveValue();
        } finally {
            io.shm4j.store.internal.TestHooks.keptCopy = null;
        }
    }

    @Test
    void shouldUnmapAKeptMappingSoonAfterAnotherProcessEvictsItsObject() throws Exception {
        try (ObjectStore store = kept(StoreTesting.config("recycle-reap", 4 * MB));
                Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> old = store.put(filled(arena, 3 * MB, (byte) 0xAB));
            store.release(old);
            Object path = inode(file(old));
            assertThat(mapped(path)).as("the put's writable mapping is kept").isTrue();

            Process child = Processes.javaBuilder(StoreChild.class, "put", store.name(), Integer.toString(3 * MB))
                    .redirectErrorStream(true).start();
            try {
                var out = Processes.readAsync(child.getInputStream());
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(out.get(10, TimeUnit.SECONDS)).contains("ok");
            } finally {
                child.destroyForcibly().waitFor();
            }
            assertThat(store.contains(old)).as("evicted by the other process").isFalse();
            io.shm4j.testkit.Awaits.until("the kept mapping of the evicted object is unmapped",
                    java.time.Duration.ofSeconds(10),
                    () -> !mapped(path));
        }
    }
}
