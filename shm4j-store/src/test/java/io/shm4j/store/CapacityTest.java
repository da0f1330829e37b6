package io.shm4j.store;

import static io.shm4j.store.StoreTesting.KB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CapacityTest {
    private static final int OBJECT = 300 * (int) KB;

    private static ObjectRef<MemorySegment> putReleased(ObjectStore store, Arena arena, long seed, int size) {
        ObjectRef<MemorySegment> ref = store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(seed, size)));
        store.release(ref);
        return ref;
    }

    @Test
    void shouldEvictLeastRecentlyUsedUnpinnedObjectFirst() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("lru", 1000 * KB));
                Arena arena = Arena.ofConfined()) {
            var a = putReleased(store, arena, 1, OBJECT);
            var b = putReleased(store, arena, 2, OBJECT);
            var c = putReleased(store, arena, 3, OBJECT);
            store.get(a); // a is now the most recently used
            store.release(a);

            var d = putReleased(store, arena, 4, OBJECT);

            assertThat(store.contains(b)).as("least recently used").isFalse();
            assertThat(store.contains(a)).isTrue();
            assertThat(store.contains(c)).isTrue();
            assertThat(store.contains(d)).isTrue();
            StoreStats stats = store.stats();
            assertThat(stats.evictions()).isEqualTo(1);
            assertThat(stats.evictedBytes()).isEqualTo(OBJECT);
            assertThat(stats.used()).isEqualTo(3L * OBJECT);
            assertThat(stats.objects()).isEqualTo(3);
            assertThatThrownBy(() -> store.get(b))
                    .isInstanceOf(ObjectLostException.class)
                    .hasMessageContaining("name=" + b.name())
                    .hasMessageContaining("evicted (the store has no spill directory)");
        }
    }

    @Test
    void shouldNeverEvictPinnedObjects() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("pinned", 1000 * KB));
                Arena arena = Arena.ofConfined()) {
            var pinned = store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(1, OBJECT)));
            var b = putReleased(store, arena, 2, OBJECT);
            var c = putReleased(store, arena, 3, OBJECT);
            putReleased(store, arena, 4, OBJECT);
            putReleased(store, arena, 5, OBJECT);
            assertThat(store.contains(pinned)).isTrue();
            assertThat(store.contains(b)).isFalse();
            assertThat(store.contains(c)).isFalse();
            assertThat(StoreTesting.intact(store.get(pinned))).isTrue();
            assertThat(store.objects()).filteredOn(o -> o.name().equals(pinned.name()))
                    .singleElement().satisfies(o -> assertThat(o.pins()).hasSize(1));
        }
    }

    @Test
    void shouldThrowFullWithTheNumbersOnlyWhenPinnedObjectsLeaveNoRoom() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("full", 1000 * KB));
                Arena arena = Arena.ofConfined()) {
            store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(1, 700 * (int) KB))); // pinned
            putReleased(store, arena, 2, 200 * (int) KB); // evictable
            assertThatThrownBy(() -> store.put(MemorySegment.ofArray(new byte[400 * (int) KB])))
                    .isInstanceOfSatisfying(ObjectStoreFullException.class, e -> {
                        assertThat(e.requested()).isEqualTo(400 * KB);
                        assertThat(e.capacity()).isEqualTo(1000 * KB);
                        assertThat(e.pinned()).isEqualTo(700 * KB);
                        assertThat(e.used()).isEqualTo(900 * KB);
                    })
                    .hasMessageContaining("requested=409600 bytes, capacity=1024000 bytes, pinned=716800 bytes,"
                            + " used=921600 bytes");
            // a put that fits once the unpinned object is evicted succeeds
            store.put(MemorySegment.ofArray(new byte[300 * (int) KB]));
            assertThat(store.stats().evictions()).isEqualTo(1);
        }
    }

    @Test
    void shouldRejectObjectsLargerThanTheCapacity() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("huge", 100 * KB))) {
            assertThatThrownBy(() -> store.put(new byte[200 * (int) KB]))
                    .isInstanceOf(ObjectStoreFullException.class)
                    .hasMessageContaining("requested=204800 bytes, capacity=102400 bytes, pinned=0 bytes");
        }
    }

    @Test
    void shouldSpillInsteadOfEvictingAndRestoreTransparently(@TempDir Path spill) {
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("spill", 1000 * KB, spill));
                Arena arena = Arena.ofConfined()) {
            var a = putReleased(store, arena, 1, 600 * (int) KB);
            var b = putReleased(store, arena, 2, 600 * (int) KB); // spills a

            assertThat(store.stats()).satisfies(s -> {
                assertThat(s.spills()).isEqualTo(1);
                assertThat(s.spilledBytes()).isEqualTo(600 * KB);
                assertThat(s.evictions()).isZero();
                assertThat(s.spilledObjects()).isEqualTo(1);
            });
            assertThat(store.objects()).filteredOn(o -> o.name().equals(a.name())).singleElement()
                    .satisfies(o -> {
                        assertThat(o.inMemory()).isFalse();
                        assertThat(o.spillCopy()).isTrue();
                        assertThat(o.codec()).isEqualTo("blob");
                        assertThat(o.size()).isEqualTo(600 * KB);
                    });

            MemorySegment back = store.get(a); // restores a, spilling b
            assertThat(StoreTesting.intact(back)).isTrue();
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(StoreTesting.checksummed(1, 600 * (int) KB));
            store.release(a);
            assertThat(StoreTesting.intact(store.get(b))).isTrue();
            StoreStats s = store.stats();
            assertThat(s.restores()).isEqualTo(2);
            assertThat(s.spills()).isEqualTo(3);
            assertThat(s.spilledBytes()).as("a's spill file is kept: written once").isEqualTo(1200 * KB);
        }
        assertThat(spill.toFile().list()).as("the last close removes the spill files").isEmpty();
    }

    @Test
    void shouldRefuseToRestoreACorruptSpillFile(@TempDir Path spill) throws IOException {
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("corrupt", 1000 * KB, spill));
                Arena arena = Arena.ofConfined()) {
            var a = putReleased(store, arena, 1, 600 * (int) KB);
            putReleased(store, arena, 2, 600 * (int) KB);
            Path file = spill.resolve(store.name()).resolve(a.name() + ".spill");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                ch.read(one, 100_000);
                one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
                ch.write(one, 100_000);
            }
            assertThatThrownBy(() -> store.get(a))
                    .isInstanceOf(SpillCorruptedException.class)
                    .hasMessageContaining("crc32c=");
            assertThat(store.contains(a)).isTrue();
            assertThat(Files.exists(file)).isTrue();
        }
    }

    @Test
    void shouldSpillAndRestoreALargeObjectThroughTheTwoThreadPipelineByteForByte(@TempDir Path spill) throws IOException {
        int big = 40 << 20; // >= SpillFiles.PIPELINE_MIN: read and write on two threads
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("pipeline", big + 4 * 1024 * KB, spill));
                Arena arena = Arena.ofConfined()) {
            var a = putReleased(store, arena, 7, big);
            var b = putReleased(store, arena, 8, big); // spills a
            Path file = spill.resolve(store.name()).resolve(a.name() + ".spill");
            assertThat(Files.size(file)).isGreaterThan(big);
            assertThat(StoreTesting.intact(store.get(a))).as("restored byte for byte (spills b)").isTrue();
            store.release(a);
            Path fileB = spill.resolve(store.name()).resolve(b.name() + ".spill");
            try (FileChannel ch = FileChannel.open(fileB, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long at = Files.size(fileB) - 3; // in the last chunk, read after the others are written
                java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                ch.read(one, at);
                one.put(0, (byte) (one.get(0) ^ 0x01)).rewind();
                ch.write(one, at);
            }
            assertThatThrownBy(() -> store.get(b))
                    .isInstanceOf(SpillCorruptedException.class)
                    .hasMessageContaining("crc32c=");
            assertThat(store.contains(b)).isTrue();
            assertThat(StoreTesting.intact(store.get(a))).as("the other object untouched").isTrue();
            store.release(a);
        }
    }

    @Test
    void shouldKeepAnObjectInMemoryAndThrowSpillFailedWhenTheSpillDirectoryIsFull() {
        try (io.shm4j.testkit.SmallTmpfs tiny = io.shm4j.testkit.SmallTmpfs.mount(64 * KB, "");
                ObjectStore store = ObjectStore.open(StoreTesting.spilling("spillfull", 1000 * KB, tiny.path()));
                Arena arena = Arena.ofConfined()) {
            var a = putReleased(store, arena, 1, OBJECT);
            var b = putReleased(store, arena, 2, OBJECT);
            var c = putReleased(store, arena, 3, OBJECT);

            for (int attempt = 0; attempt < 2; attempt++) { // a later put fails the same way, no worse
                assertThatThrownBy(() -> store.put(MemorySegment.ofArray(new byte[OBJECT])))
                        .isInstanceOfSatisfying(SpillFailedException.class, e -> {
                            assertThat(e.size()).isEqualTo(OBJECT);
                            assertThat(e.spillDirectory()).isEqualTo(tiny.path());
                            assertThat(e.free()).isBetween(0L, 64 * KB);
                            assertThat(e.getMessage()).contains("spillDir=" + tiny.path(), "free=",
                                    "size=" + OBJECT, "stays in memory", "Free space in the spill directory");
                        });
            }

            assertThat(store.objects()).extracting(StoredObject::name)
                    .contains(a.name(), b.name(), c.name());
            for (var ref : java.util.List.of(a, b, c)) {
                assertThat(store.contains(ref)).isTrue();
                assertThat(StoreTesting.intact(store.get(ref))).isTrue();
                store.release(ref);
            }
            assertThat(store.stats().spills()).isZero();
        }
    }
}
