package io.shm4j.list;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.segment.Access;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.TestNames;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class SharedListTest {
    static final List<Object> MIXED = Arrays.asList(42L, -7L, 3.5, true, false, null, "héllo", "",
            new byte[] {1, 2, 0, 3}, Long.MAX_VALUE, Double.NaN, "exactly8");

    @Test
    void shouldRoundTripEveryItemType() {
        try (SharedList list = SharedList.create(TestNames.unique("list"), MIXED);
                SharedList other = SharedList.attach(list.name())) {
            assertThat(other.size()).isEqualTo(MIXED.size());
            assertSameItems(other.toList(), MIXED);
            assertThat(List.of(other.type(0), other.type(2), other.type(3), other.type(5), other.type(6), other.type(8)))
                    .containsExactly(ItemType.INT, ItemType.FLOAT, ItemType.BOOL, ItemType.NONE, ItemType.STR, ItemType.BYTES);
            // Slots as CPython sizes them: 8 (len // 8 + 1) bytes for strings, 8 otherwise.
            assertThat(other.capacity(6)).isEqualTo(8);   // "héllo" is 6 bytes in UTF-8
            assertThat(other.capacity(7)).isEqualTo(8);   // ""
            assertThat(other.capacity(11)).isEqualTo(16); // "exactly8": 8 bytes, one NUL more
            assertThat(other.capacity(0)).isEqualTo(8);
        }
    }

    @Test
    void shouldBeASegmentOfKindListOwnedByItsCreator() {
        String name = TestNames.unique("list-owned");
        ShmDirectory dir = ShmDirectory.current();
        try (SharedList list = SharedList.create(name, List.of(1L))) {
            assertThat(dir.info(name).kind()).isEqualTo(SegmentKind.LIST);
            assertThat(dir.info(name).lifetime()).isEqualTo(Lifetime.SCOPED);
            assertThat(list.ref().name()).isEqualTo(name);
        }
        assertThat(dir.find(name)).isEmpty();
        try (SharedList list = SharedList.create(ShmOptions.named(name).persistent(), List.of(1L))) {
            assertThat(list.getLong(0)).isEqualTo(1);
        }
        assertThat(dir.find(name)).isPresent();
        try (SharedList list = SharedList.attach(name)) {
            list.unlink();
        }
        assertThat(dir.find(name)).isEmpty();
    }

    @Test
    void shouldChangeAnItemsTypeWithinItsSlotAsPythonDoes() {
        try (SharedList list = SharedList.create(TestNames.unique("list-types"), Arrays.asList(1L, "abcdefghij", null))) {
            list.set(0, "seven!!");          // 7 bytes fit the 8-byte slot of an int
            list.set(1, 2.5);                // a float in a 16-byte string slot
            list.set(2, true);
            assertSameItems(list.toList(), Arrays.asList("seven!!", 2.5, true));
            list.set(1, "sixteen-bytes!!!");  // back to a string: the slot's full 16 bytes
            assertThat(list.getString(1)).isEqualTo("sixteen-bytes!!!");
            list.setBytes(1, new byte[] {9});
            assertThat(list.getBytes(1)).containsExactly(9);
            list.setNull(0);
            assertThat(list.isNull(0)).isTrue();
        }
    }

    @Test
    void shouldRefuseWhatDoesNotFitInsteadOfTruncating() {
        try (SharedList list = SharedList.create(TestNames.unique("list-refuse"), Arrays.asList("short", 1L))) {
            assertThatThrownBy(() -> list.set(0, "much longer than eight"))
                    .isInstanceOf(ListItemException.class)
                    .hasMessageContaining("index=0").hasMessageContaining("bytes=22").hasMessageContaining("capacity=8");
            assertThatThrownBy(() -> list.set(1, "nine byte"))
                    .isInstanceOf(ListItemException.class).hasMessageContaining("capacity=8");
            assertThat(list.getString(0)).isEqualTo("short");
            assertThatThrownBy(() -> list.set(0, "nul\0")).isInstanceOf(ListItemException.class)
                    .hasMessageContaining("NUL");
            assertThatThrownBy(() -> list.set(0, new Object())).isInstanceOf(ListItemException.class)
                    .hasMessageContaining("type=java.lang.Object");
            assertThatThrownBy(() -> list.set(1, new java.math.BigInteger("9223372036854775808")))
                    .isInstanceOf(ListItemException.class).hasMessageContaining("int64");
            assertThatThrownBy(() -> list.getLong(0)).isInstanceOf(ListItemException.class)
                    .hasMessageContaining("type=STR").hasMessageContaining("asked=INT");
            assertThatThrownBy(() -> list.get(2)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("index=2, size=2");
            assertThatThrownBy(() -> SharedList.create(List.of(new Object())))
                    .isInstanceOf(ListItemException.class);
        }
    }

    @Test
    void shouldRefuseSegmentsThatAreNotShareableLists() {
        String name = TestNames.unique("not-a-list");
        try (Segment raw = Segment.create(ShmOptions.named(name).asMutable(), 64)) {
            raw.memory().fill((byte) 0x7f);
            assertThatThrownBy(() -> SharedList.attach(name)).isInstanceOf(ListFormatException.class)
                    .hasMessageContaining("count out of range").hasMessageContaining("name=" + name);
            // A plausible header with an unknown format.
            raw.memory().fill((byte) 0);
            raw.memory().set(ValueLayout.JAVA_LONG, 0, 1);       // one item
            raw.memory().set(ValueLayout.JAVA_LONG, 16, 8);      // offsets [0, 8]
            byte[] format = "zz".getBytes(StandardCharsets.US_ASCII);
            java.lang.foreign.MemorySegment.copy(format, 0, raw.memory(), ValueLayout.JAVA_BYTE, 32, 2);
            try (SharedList list = SharedList.attach(name)) {
                assertThatThrownBy(() -> list.get(0)).isInstanceOf(ListFormatException.class)
                        .hasMessageContaining("format='zz'");
            }
            raw.memory().set(ValueLayout.JAVA_LONG, 16, 4096);   // a slot past the end
            assertThatThrownBy(() -> SharedList.attach(name)).isInstanceOf(ListFormatException.class)
                    .hasMessageContaining("slot out of range");
        }
    }

    @Test
    void shouldBeReadOnlyWhenAttachedSo() {
        try (SharedList list = SharedList.create(TestNames.unique("list-ro"), List.of(1L));
                SharedList ro = SharedList.attach(list.name(), Access.READ_ONLY)) {
            assertThat(ro.getLong(0)).isEqualTo(1);
            assertThatThrownBy(() -> ro.setLong(0, 2)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shouldAddAtomicallyFromManyThreads() {
        try (SharedList list = SharedList.create(TestNames.unique("list-atomic"), List.of(0L, 0.0))) {
            CompletableFuture<?>[] all = IntStream.range(0, 4).mapToObj(t -> CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 20_000; i++) {
                    list.getAndAddLong(0, 1);
                    list.getAndAddDouble(1, 0.5);
                }
            })).toArray(CompletableFuture[]::new);
            CompletableFuture.allOf(all).join();
            assertThat(list.getLong(0)).isEqualTo(80_000);
            assertThat(list.getDouble(1)).isEqualTo(40_000.0);
            assertThat(list.compareAndSetLong(0, 80_000, 7)).isTrue();
            assertThat(list.compareAndSetLong(0, 80_000, 8)).isFalse();
            assertThat(list.compareAndSetDouble(1, 40_000.0, -0.0)).isTrue();
            assertThat(list.compareAndSetDouble(1, 0.0, 1.0)).isFalse(); // bitwise: -0.0 is not 0.0
        }
    }

    @Test
    void shouldFailClearlyAfterClose() {
        SharedList list = SharedList.create(TestNames.unique("list-closed"), List.of(1L));
        list.close();
        list.close();
        assertThatThrownBy(() -> list.getLong(0)).isInstanceOf(io.shm4j.segment.SegmentClosedException.class);
    }

    @Property(tries = 60)
    void shouldRoundTripRandomLists(@ForAll("lists") List<Object> items) {
        try (SharedList list = SharedList.create(items);
                SharedList other = SharedList.attach(list.name())) {
            assertSameItems(other.toList(), items);
        }
    }

    @Provide
    Arbitrary<List<Object>> lists() {
        return items().list().ofMaxSize(20);
    }

    static Arbitrary<Object> items() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(v -> (Object) v),
                Arbitraries.doubles().map(v -> (Object) v),
                Arbitraries.of(true, false).map(v -> (Object) v),
                Arbitraries.strings().ofMaxLength(40).filter(s -> !s.endsWith("\0"))
                        .filter(s -> s.equals(new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)))
                        .map(v -> (Object) v),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(30)
                        .filter(b -> b.length == 0 || b[b.length - 1] != 0).map(v -> (Object) v),
                Arbitraries.just(null));
    }

    static void assertSameItems(List<Object> actual, List<Object> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            Object e = expected.get(i);
            Object a = actual.get(i);
            if (e instanceof byte[] eb) {
                assertThat(a).isInstanceOf(byte[].class);
                assertThat((byte[]) a).as("item " + i).containsExactly(eb);
            } else if (e instanceof Double d && d.isNaN()) {
                assertThat((Double) a).as("item " + i).isNaN();
            } else {
                assertThat(a).as("item " + i).isEqualTo(e);
            }
        }
    }

    static List<Object> copy(List<Object> l) {
        return new ArrayList<>(l);
    }
}
