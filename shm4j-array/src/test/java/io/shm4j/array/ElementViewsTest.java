package io.shm4j.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.NotInSharedMemoryException;
import io.shm4j.OutOfBoundsException;
import io.shm4j.segment.ShmOptions;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElementViewsTest {
    private static final List<Class<?>> VIEWS = List.of(DoubleElements.class, FloatElements.class, LongElements.class,
            IntElements.class, ShortElements.class, ByteElements.class);
    private static final Set<String> ORDERED = Set.of("get", "set", "getOpaque", "setOpaque", "getAcquire", "setRelease",
            "getVolatile", "setVolatile");
    private static final Set<String> ATOMIC = Set.of("compareAndSet", "compareAndExchange", "getAndSet", "getAndAdd",
            "addAndGet");

    @TempDir
    Path tmp;

    @Test
    void shouldOfferTheSameOrderingSetOnEveryTypedViewAndAtomicsOnEvery32And64BitOne() {
        for (Class<?> c : VIEWS) {
            Set<String> names = new TreeSet<>();
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && !m.getName().equals("array")) {
                    names.add(m.getName());
                    // every access has a 1-d form (long i) and an n-d form (long[] index)
                    Class<?> other = m.getParameterTypes()[0] == long.class ? long[].class : long.class;
                    Class<?>[] ps = m.getParameterTypes().clone();
                    ps[0] = other;
                    assertThat(Arrays.stream(c.getMethods()).anyMatch(o -> o.getName().equals(m.getName())
                            && Arrays.equals(o.getParameterTypes(), ps))).as(c.getSimpleName() + "." + m.getName()).isTrue();
                }
            }
            boolean wide = c != ShortElements.class && c != ByteElements.class;
            Set<String> expected = new TreeSet<>(ORDERED);
            if (wide) {
                expected.addAll(ATOMIC);
            }
            assertThat(names).as(c.getSimpleName()).isEqualTo(expected);
        }
    }

    @Test
    void shouldReadAndWriteWithEveryOrderingOnEveryType() {
        ShmOptions o = ShmOptions.defaults().asMutable();
        try (SharedArray d = SharedArray.zeros(o, DType.FLOAT64, 4);
                SharedArray f = SharedArray.zeros(o, DType.FLOAT32, 2, 2);
                SharedArray l = SharedArray.zeros(o, DType.INT64, 4);
                SharedArray i = SharedArray.zeros(o, DType.UINT32, 4);
                SharedArray s = SharedArray.zeros(o, DType.INT16, 4);
                SharedArray b = SharedArray.zeros(o, DType.BOOL, 4)) {
            DoubleElements de = d.doubles();
            de.set(0, 1.5);
            de.setOpaque(1, 2.5);
            de.setRelease(2, 3.5);
            de.setVolatile(3, 4.5);
            assertThat(new double[] {de.get(0), de.getOpaque(1), de.getAcquire(2), de.getVolatile(3)})
                    .containsExactly(1.5, 2.5, 3.5, 4.5);
            assertThat(de.getAndAdd(0, 1.0)).isEqualTo(1.5);
            assertThat(de.addAndGet(0, 1.0)).isEqualTo(3.5);
            assertThat(de.compareAndSet(1, 2.5, -0.0)).isTrue();
            assertThat(de.compareAndSet(1, 0.0, 7.0)).as("compares bits: -0.0 is not 0.0").isFalse();
            assertThat(d.sum()).isEqualTo(3.5 + 3.5 + 4.5);

            FloatElements fe = f.floats();
            fe.setRelease(new long[] {1, 1}, 2.0f);
            assertThat(fe.getAndAdd(new long[] {1, 1}, 0.5f)).isEqualTo(2.0f);
            assertThat(fe.getAcquire(1, 1)).isEqualTo(2.5f);

            LongElements le = l.longs();
            assertThat(le.getAndAdd(0, 5)).isZero();
            assertThat(le.addAndGet(0, 5)).isEqualTo(10);
            assertThat(le.compareAndExchange(0, 10, 11)).isEqualTo(10);
            assertThat(le.getAndSet(0, 12)).isEqualTo(11);
            le.setVolatile(3, Long.MIN_VALUE);
            assertThat(l.minLong()).isEqualTo(Long.MIN_VALUE);

            IntElements ie = i.ints();
            ie.setOpaque(0, -1); // uint32 as its bits
            assertThat(i.getAsLong(0)).isEqualTo(0xFFFF_FFFFL);
            assertThat(ie.getAndAdd(1, 3)).isZero();

            ShortElements se = s.shorts();
            se.setRelease(2, (short) -3);
            assertThat(se.getAcquire(2)).isEqualTo((short) -3);

            ByteElements be = b.bytes();
            be.setVolatile(1, (byte) 1);
            assertThat(b.sumLong()).isEqualTo(1);
        }
    }

    @Test
    void shouldRefuseAViewOfAnotherTypeAWriteToAReadOnlyArrayAndAnIndexOutOfBounds() {
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new double[] {1, 2, 3})) {
            assertThatThrownBy(a::longs).isInstanceOf(DTypeMismatchException.class).hasMessageContaining("dtype=float64");
            assertThatThrownBy(() -> a.doubles().set(0, 1.0)).isInstanceOf(ReadOnlyArrayException.class);
            assertThatThrownBy(() -> a.doubles().getAcquire(3)).isInstanceOf(OutOfBoundsException.class)
                    .hasMessageContaining("index=3, size=3");
            assertThatThrownBy(() -> a.doubles().getVolatile(0, 0)).isInstanceOf(OutOfBoundsException.class)
                    .hasMessageContaining("given=2, ndim=1");
        }
    }

    @Test
    void shouldCreateImmutableByDefaultInEveryFactory() {
        try (SharedArray z = SharedArray.zeros(ShmOptions.defaults(), DType.INT32, 2);
                SharedArray c = SharedArray.copyOf(ShmOptions.defaults(), new int[] {1});
                SharedArray f = SharedArray.fromFunction(ShmOptions.defaults(), DType.FLOAT64, new long[] {2}, i -> 1)) {
            assertThat(List.of(z.isWritable(), c.isWritable(), f.isWritable())).containsOnly(false);
            assertThat(List.of(z.segment().info().mutable(), c.segment().info().mutable())).containsOnly(false);
        }
    }

    @Test
    void shouldOpenAndCopyANpyFileAndRefuseARefOfAFileBackedArray() {
        Path file = tmp.resolve("a.npy");
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new long[] {4, 5, 6})) {
            a.save(file);
        }
        try (SharedArray opened = SharedArray.open(file);
                SharedArray copy = SharedArray.copyOf(ShmOptions.defaults().asMutable(), file)) {
            assertThat(opened.sumLong()).isEqualTo(15);
            assertThatThrownBy(opened::ref).isInstanceOf(NotInSharedMemoryException.class)
                    .hasMessageContaining("path=" + file);
            copy.longs().set(0, 10);
            assertThat(copy.sumLong()).isEqualTo(21);
        }
        assertThatThrownBy(() -> SharedArray.open(tmp.resolve("missing.npy")))
                .isInstanceOf(io.shm4j.FileAccessException.class).hasMessageContaining("missing.npy");
    }

    @Test
    void shouldLendABorrowedHandleWhoseCloseIsHarmless() {
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new double[] {1, 2})) {
            SharedArray b = a.borrow();
            assertThat(b.isView()).isTrue();
            b.close();
            assertThat(a.sum()).isEqualTo(3.0);
            assertThat(b.sum()).isEqualTo(3.0);
        }
    }
}
