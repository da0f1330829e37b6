package io.shm4j.array;

import io.shm4j.OutOfBoundsException;
import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.Shm4jException;
import io.shm4j.segment.Access;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.SegmentClosedException;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentPermissionException;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SharedArrayTest {
    @TempDir
    Path tmp;

    @Test
    void shouldCreateZerosAsAValidNpySegment() {
        String name = TestNames.unique("zeros");
        try (SharedArray a = SharedArray.zeros(ShmOptions.named(name).asMutable(), DType.FLOAT64, 3, 4)) {
            assertThat(a.shape()).containsExactly(3, 4);
            assertThat(a.dtype()).isEqualTo(DType.FLOAT64);
            assertThat(a.segment().kind()).isEqualTo(SegmentKind.ARRAY);
            assertThat(a.header().dataOffset() % 64).isZero();
            assertThat(a.sum()).isZero();
            assertThat(a.isWritable()).isTrue();
            assertThat(a.describe()).contains(name).contains("float64 (3, 4) C 96 bytes read-write scoped mutable");
        }
        assertThat(ShmDirectory.current().find(name)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = {"COMPLEX64", "COMPLEX128", "RECORD"})
    void shouldRoundTripEveryDtypeThroughAttach(DType t) {
        String name = TestNames.unique("rt");
        long[] shape = {2, 3};
        try (SharedArray a = SharedArray.fromLongFunction(ShmOptions.named(name), t, shape,
                i -> (i[0] * 3 + i[1]) % 2 == 0 ? i[0] * 3 + i[1] : 0);
                SharedArray b = SharedArray.attach(name)) {
            assertThat(b.dtype()).isEqualTo(t);
            assertThat(b.shape()).containsExactly(2, 3);
            assertThat(b.isWritable()).isFalse();
            assertThat(b.getAsDouble(1, 1)).isEqualTo(t == DType.BOOL ? 1 : 4);
            assertThat(b.getAsDouble(1, 2)).isEqualTo(0);
            assertThat(b.getAsDouble(0, 2)).isEqualTo(t == DType.BOOL ? 1 : 2);
            Object arr = b.toArray();
            assertThat(java.lang.reflect.Array.getLength(arr)).isEqualTo(6);
            try (SharedArray c = SharedArray.copyOf(ShmOptions.defaults(), t, shape, arr)) {
                assertThat(Files.mismatch(c.path(), a.path())).isEqualTo(-1L);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void shouldAttachBySegmentRef() {
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new long[] {1, 2, 3});
                SharedArray b = SharedArray.attach(a.ref())) {
            assertThat(b.longs().get(2)).isEqualTo(3);
        }
    }

    @Test
    void shouldInferTheDtypeFromTheJavaArray() {
        Object[] arrays = {new double[1], new float[1], new long[1], new int[1], new short[1], new byte[1],
            new boolean[1]};
        DType[] types = {DType.FLOAT64, DType.FLOAT32, DType.INT64, DType.INT32, DType.INT16, DType.INT8, DType.BOOL};
        for (int i = 0; i < arrays.length; i++) {
            try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), arrays[i])) {
                assertThat(a.dtype()).isEqualTo(types[i]);
            }
        }
    }

    @Test
    void shouldSetAndGetElementsOfAMutableArray() {
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.INT32, 2, 2)) {
            a.ints().set(new long[] {1, 0}, -7);
            assertThat(a.ints().get(1, 0)).isEqualTo(-7);
            assertThat(a.getAsLong(1, 0)).isEqualTo(-7);
        }
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.UINT32, 1)) {
            a.ints().set(new long[] {0}, -1);
            assertThat(a.getAsLong(0)).isEqualTo(4294967295L);
            assertThat(a.getAsDouble(0)).isEqualTo(4294967295.0);
        }
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.UINT64, 1)) {
            a.longs().set(0, -1L);
            assertThat(a.getAsDouble(0)).isEqualTo(18446744073709551615.0);
            assertThat(a.maxLong()).isEqualTo(-1L);
        }
    }

    @Test
    void shouldShareMemoryBetweenAnArrayAndItsViews() {
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.FLOAT64, 4, 3)) {
            SharedArray row = a.row(2);
            row.doubles().set(1, 5.0);
            assertThat(a.doubles().get(2, 1)).isEqualTo(5.0);
            SharedArray s = a.slice(1, 3);
            assertThat(s.shape()).containsExactly(2, 3);
            assertThat(s.doubles().get(1, 1)).isEqualTo(5.0);
            SharedArray r = a.reshape(3, -1);
            assertThat(r.shape()).containsExactly(3, 4);
            assertThat(r.doubles().get(1, 3)).isEqualTo(5.0); // flat index 7
            assertThat(s.sum()).isEqualTo(5.0);
            assertThat(row.isView()).isTrue();
            row.close(); // no-op on a view
            assertThat(a.doubles().get(2, 1)).isEqualTo(5.0);
        }
    }

    @Test
    void shouldReadFortranOrderAndStridedViews() throws Exception {
        Path f = tmp.resolve("f.npy");
        io.shm4j.testkit.Processes.python(
                "import numpy as np,sys; np.save(sys.argv[1], np.asfortranarray(np.arange(6.0).reshape(2,3)))",
                f.toString()).assertOk();
        try (SharedArray a = SharedArray.open(f)) {
            assertThat(a.isFContiguous()).isTrue();
            assertThat(a.isCContiguous()).isFalse();
            assertThat(a.doubles().get(1, 2)).isEqualTo(5.0);
            assertThat((double[]) a.toArray()).containsExactly(0, 1, 2, 3, 4, 5);
            assertThat(a.row(1).toDoubleArray()).containsExactly(3, 4, 5);
            assertThat(a.sum(0)).containsExactly(3, 5, 7);
            assertThat(a.sum(1)).containsExactly(3, 12);
            assertThatThrownBy(() -> a.reshape(6)).isInstanceOf(ShapeException.class);
            Path g = tmp.resolve("g.npy");
            a.row(1).save(g);
            try (SharedArray b = SharedArray.open(g)) {
                assertThat(b.toDoubleArray()).containsExactly(3, 4, 5);
            }
        }
    }

    @Test
    void shouldFillByCastingLikeNumpy() {
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.INT16, 3)) {
            a.fill(2.9);
            assertThat((short[]) a.toArray()).containsExactly(2, 2, 2);
            a.fill(70000L);
            assertThat(a.shorts().get(0)).isEqualTo((short) 70000);
        }
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.FLOAT64, 2, 2)) {
            a.fill(1.5);
            assertThat(a.sum()).isEqualTo(6.0);
            a.row(0).fill(0.0);
            assertThat(a.sum()).isEqualTo(3.0);
        }
    }

    @Test
    void shouldCopyFromAJavaArrayIntoAView() {
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.INT64, 3, 2)) {
            a.slice(1, 3).copyFrom(new long[] {1, 2, 3, 4});
            assertThat(a.toLongArray()).containsExactly(0, 0, 1, 2, 3, 4);
        }
    }

    @Test
    void shouldSaveAndLoadNpyFilesWithTheSameBytes() throws Exception {
        Path f = tmp.resolve("a.npy");
        try (SharedArray a = SharedArray.fromFunction(ShmOptions.defaults(), DType.FLOAT32, new long[] {5, 2},
                i -> i[0] - i[1] * 0.5)) {
            a.save(f);
            assertThat(Files.mismatch(f, a.path())).isEqualTo(-1L);
        }
        try (SharedArray m = SharedArray.open(f);
                SharedArray p = SharedArray.copyOf(ShmOptions.named(TestNames.unique("put")), f)) {
            assertThat(m.isWritable()).isFalse();
            assertThat(m.describe()).contains("file");
            assertThat(p.floats().get(4, 1)).isEqualTo(3.5f);
            assertThat(Files.mismatch(f, p.path())).isEqualTo(-1L);
        }
    }

    @Test
    void shouldKeepPersistentArraysUntilUnlinked() {
        String name = TestNames.unique("persist");
        try (SharedArray a = SharedArray.zeros(ShmOptions.named(name).persistent(), DType.INT8, 1)) {
            assertThat(a.describe()).contains("persistent");
        }
        try (SharedArray b = SharedArray.attach(name)) {
            b.unlink();
        }
        assertThat(ShmDirectory.current().find(name)).isEmpty();
    }

    @Test
    void shouldCreateZeroDimensionalArrays() {
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), DType.FLOAT64, new long[0],
                new double[] {4.5})) {
            assertThat(a.ndim()).isZero();
            assertThat(a.doubles().get()).isEqualTo(4.5);
            assertThat(a.sum()).isEqualTo(4.5);
            assertThat(a.min()).isEqualTo(4.5);
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void shouldRejectAnElementTypeMismatchOnAccess() {
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.INT32, 2)) {
            assertThatThrownBy(() -> a.doubles().get(0)).isInstanceOf(DTypeMismatchException.class)
                    .hasMessageContaining("dtype=int32").hasMessageContaining("accessor=doubles()");
            assertThatThrownBy(() -> a.longs().getAndAdd(0, 1)).isInstanceOf(DTypeMismatchException.class);
            assertThatThrownBy(() -> a.copyFrom(new double[2])).isInstanceOf(DTypeMismatchException.class);
        }
        assertThatThrownBy(() -> SharedArray.copyOf(ShmOptions.defaults(), DType.INT64, new long[] {1},
                new int[1])).isInstanceOf(DTypeMismatchException.class);
        assertThatThrownBy(() -> SharedArray.copyOf(ShmOptions.defaults(), new String[1]))
                .isInstanceOf(DTypeMismatchException.class);
    }

    @Test
    void shouldRejectAnIndexOutOfBounds() {
        try (SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.FLOAT64, 2, 3)) {
            assertThatThrownBy(() -> a.doubles().get(2, 0)).isInstanceOf(OutOfBoundsException.class)
                    .hasMessageContaining("axis=0, index=2, size=2");
            assertThatThrownBy(() -> a.doubles().get(0, -1)).isInstanceOf(OutOfBoundsException.class);
            assertThatThrownBy(() -> a.doubles().get(0)).isInstanceOf(OutOfBoundsException.class)
                    .hasMessageContaining("given=1, ndim=2");
            assertThatThrownBy(() -> a.row(5)).isInstanceOf(OutOfBoundsException.class);
            assertThatThrownBy(() -> a.slice(1, 3)).isInstanceOf(OutOfBoundsException.class);
            assertThatThrownBy(() -> a.reshape(4, 2)).isInstanceOf(ShapeException.class);
        }
    }

    @Test
    void shouldRejectWritesToImmutableArrays() {
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new double[] {1})) {
            assertThatThrownBy(() -> a.doubles().set(0, 2.0)).isInstanceOf(ReadOnlyArrayException.class);
            assertThatThrownBy(() -> a.fill(0.0)).isInstanceOf(ReadOnlyArrayException.class);
            assertThatThrownBy(() -> SharedArray.attach(a.name(), Access.READ_WRITE))
                    .isInstanceOf(SegmentPermissionException.class);
        }
    }

    @Test
    void shouldRejectUseAfterCloseWithoutCrashing() {
        SharedArray a = SharedArray.zeros(ShmOptions.named((String) null).asMutable(), DType.FLOAT64, 10);
        SharedArray v = a.slice(0, 5);
        a.close();
        a.close();
        assertThatThrownBy(a::sum).isInstanceOf(SegmentClosedException.class);
        assertThatThrownBy(v::toArray).isInstanceOf(SegmentClosedException.class);
        assertThatThrownBy(() -> a.doubles().get(1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRejectBadFilesFromDiskWithTypedExceptions() throws Exception {
        Path trunc = tmp.resolve("t.npy");
        Path big = tmp.resolve("b.npy");
        Path obj = tmp.resolve("o.npy");
        Path be = tmp.resolve("be.npy");
        Path st = tmp.resolve("s.npy");
        io.shm4j.testkit.Processes.python("""
                import numpy as np, sys
                np.save(sys.argv[1], np.arange(100.0))
                np.save(sys.argv[2], np.arange(10.0))
                np.save(sys.argv[3], np.array([1, 'x', None], dtype=object), allow_pickle=True)
                np.save(sys.argv[4], np.arange(4, dtype='>f8'))
                np.save(sys.argv[5], np.zeros(2, dtype=[('a', '<f8'), ('b', '<i4')]))
                """, trunc.toString(), big.toString(), obj.toString(), be.toString(), st.toString()).assertOk();
        byte[] t = Files.readAllBytes(trunc);
        Files.write(trunc, java.util.Arrays.copyOf(t, t.length - 8));
        Files.write(big, new byte[8], java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(() -> SharedArray.open(trunc)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> SharedArray.open(big)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("does not match the file size");
        assertThatThrownBy(() -> SharedArray.copyOf(ShmOptions.defaults(), obj))
                .isInstanceOf(UnsupportedDTypeException.class).hasMessageContaining("object");
        assertThatThrownBy(() -> SharedArray.open(be)).isInstanceOf(UnsupportedDTypeException.class)
                .hasMessageContaining("big-endian");
        try (SharedArray rec = SharedArray.open(st)) { // structured: a record array now
            assertThat(rec.recordType().names()).containsExactly("a", "b");
        }
        assertThatThrownBy(() -> SharedArray.open(tmp.resolve("missing.npy"))).isInstanceOf(Shm4jException.class);
    }

    @Test
    void shouldRejectASegmentThatIsNotAnArray() {
        try (io.shm4j.segment.Segment raw = io.shm4j.segment.Segment.create(ShmOptions.named(TestNames.unique("raw")).asMutable(), 100)) {
            assertThatThrownBy(() -> SharedArray.attach(raw.name())).isInstanceOf(NpyFormatException.class)
                    .hasMessageContaining("magic");
        }
    }
}
