package io.shm4j.store;

import static io.shm4j.store.StoreTesting.KB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Processes;
import java.io.Serializable;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class ObjectStoreRoundTripTest {

    record Point(String label, double x, double y, List<Integer> tags) implements Serializable {}

    @Test
    void shouldGetBlobAsReadOnlyViewOfSharedMemoryWithoutCopying() {
        byte[] payload = StoreTesting.checksummed(1, 256 * (int) KB);
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("blob", 4 << 20));
                ObjectStore second = ObjectStore.open(StoreTesting.config("x", 1).withName(store.name()));
                Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> ref = store.put(StoreTesting.offHeap(arena, payload));
            assertThat(ref.codec()).isEqualTo("blob");
            assertThat(ref.size()).isEqualTo(payload.length);

            MemorySegment view = second.get(ref);
            assertThat(view.isNative()).as("a mapping of the object, not a heap copy").isTrue();
            assertThat(view.isReadOnly()).isTrue();
            assertThat(view.address()).as("every get in a process shares one mapping")
                    .isEqualTo(store.get(ref).address());
            assertThat(view.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(payload);
            assertThatThrownBy(() -> view.set(ValueLayout.JAVA_BYTE, 0, (byte) 1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
        }
    }

    @Test
    void shouldStoreBlobBytesAsTheyAreSoOtherToolsCanReadThem() throws Exception {
        byte[] payload = StoreTesting.checksummed(2, 64 * (int) KB);
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("raw", 4 << 20));
                Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> ref = store.put(StoreTesting.offHeap(arena, payload));
            var path = ShmDirectory.current().path().resolve(ref.name());
            assertThat(Files.readAllBytes(path)).isEqualTo(payload);
            String digest = Processes.python("""
                    import hashlib, os, sys
                    print(hashlib.sha256(open(os.path.join(os.environ['SHM4J_DIR'], sys.argv[1]), 'rb').read()).hexdigest())
                    """, ref.name()).assertOk().stdout().trim();
            assertThat(digest).isEqualTo(java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(payload)));
        }
    }

    @Test
    void shouldRoundTripByteArraysAsCopies() {
        byte[] payload = StoreTesting.checksummed(3, 1000);
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("bytes", 1 << 20))) {
            ObjectRef<byte[]> ref = store.put(payload);
            assertThat(ref.codec()).isEqualTo("bytes");
            byte[] back = store.get(ref);
            assertThat(back).isEqualTo(payload).isNotSameAs(payload);
        }
    }

    @Test
    void shouldRoundTripSerializableObjects() {
        Map<String, Point> value = new TreeMap<>(Map.of(
                "a", new Point("a", 1.5, -2, List.of(1, 2, 3)),
                "b", new Point("b\u00e9", Double.NaN, 0, List.of())));
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("java", 1 << 20))) {
            ObjectRef<Map<String, Point>> ref = store.put(value);
            assertThat(ref.codec()).isEqualTo("java");
            assertThat(store.get(ref)).isEqualTo(value).isNotSameAs(value);
            ObjectRef<String> s = store.put("hello");
            assertThat(store.get(s)).isEqualTo("hello");
        }
    }

    @Test
    void shouldRoundTripEmptyBlob() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("empty", 1 << 20))) {
            ObjectRef<MemorySegment> ref = store.put(MemorySegment.ofArray(new byte[0]));
            assertThat(store.get(ref).byteSize()).isZero();
        }
    }

    @Test
    void shouldSerializeRefsAsSmallPlainData() throws Exception {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("ref", 1 << 20))) {
            ObjectRef<String> ref = store.put("payload");
            var bytes = new java.io.ByteArrayOutputStream();
            try (var out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(ref);
            }
            assertThat(bytes.size()).isLessThan(400);
            try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                @SuppressWarnings("unchecked")
                ObjectRef<String> back = (ObjectRef<String>) in.readObject();
                assertThat(back).isEqualTo(ref);
                assertThat(store.get(back)).isEqualTo("payload");
            }
        }
    }

    @Test
    void shouldRejectValuesNoCodecAccepts() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("nocodec", 1 << 20))) {
            assertThatThrownBy(() -> store.put(new Object()))
                    .isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("no codec for value: type=java.lang.Object");
        }
    }

    @Test
    void shouldInvalidateViewsAfterTheLastRelease() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("release", 1 << 20))) {
            ObjectRef<MemorySegment> ref = store.put(MemorySegment.ofArray(new byte[] {1, 2, 3}));
            MemorySegment view = store.get(ref);
            store.release(ref); // the get's hold
            assertThat(view.get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 3);
            store.release(ref); // the put's hold: unmapped here
            assertThatThrownBy(() -> view.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
            assertThat(store.contains(ref)).as("released, not deleted").isTrue();
            assertThat(store.get(ref).get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) 2);
        }
    }

    @Test
    void shouldLeaveNoHoldBehindAGetThatReturnsACopy() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("copyhold", 1 << 20))) {
            ObjectRef<byte[]> bytes = store.put(new byte[] {1, 2, 3});
            ObjectRef<Point> point = store.put(new Point("p", 1, 2, List.of(3)));
            store.release(bytes); // the puts' holds
            store.release(point);
            assertThat(store.stats().pinned()).as("nothing pinned after the puts' release").isZero();
            assertThat(store.get(bytes)).containsExactly(1, 2, 3);
            assertThat(store.get(point).label()).isEqualTo("p");
            assertThat(store.stats().pinned()).as("a copy leaves no hold").isZero();
            assertThat(store.objects()).allSatisfy(o -> assertThat(o.pins()).isEmpty());
        }
    }

    @Test
    void shouldRemoveEverythingWhenTheLastHandleCloses() {
        ObjectStore store = ObjectStore.open(StoreTesting.config("cleanup", 1 << 20));
        String name = store.name();
        store.put("x");
        assertThat(StoreAdmin.storeNames(ShmDirectory.current())).contains(name);
        store.close();
        store.close(); // idempotent
        assertThat(StoreAdmin.storeNames(ShmDirectory.current())).doesNotContain(name);
        assertThat(ShmDirectory.current().list()).noneMatch(i -> i.name().startsWith(name));
    }

    @Property(tries = 30)
    void shouldRoundTripAnyBytesThroughBothByteCodecs(@ForAll @Size(max = 5000) byte[] payload) {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("prop", 1 << 20))) {
            assertThat(store.get(store.put(payload))).isEqualTo(payload);
            MemorySegment view = store.get(store.put(MemorySegment.ofArray(payload.clone())));
            assertThat(view.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(payload);
        }
    }
}
