package io.shm4j.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.segment.ShmOptions;
import io.shm4j.array.DType;
import io.shm4j.array.DTypeMismatchException;
import io.shm4j.array.NpyLayout;
import io.shm4j.array.ShapeException;
import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.SegmentClosedException;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentSpec;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@code npy} and {@code arrow} codecs: round trips, zero-copy gets, the bytes other tools read. */
class ArrayAndFrameObjectsTest {
    private static final long CAPACITY = 8 << 20;

    private static SharedArray sample(DType dtype, long... shape) {
        return SharedArray.fromLongFunction(ShmOptions.defaults(), dtype, shape, idx -> {
            long v = 0;
            for (long i : idx) {
                v = v * 7 + i + 1;
            }
            return dtype == DType.BOOL ? v & 1 : v % 100;
        });
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, mode = EnumSource.Mode.EXCLUDE, names = {"COMPLEX64", "COMPLEX128", "RECORD"})
    void shouldRoundTripEveryDTypeAsNpyObjectOverTheSharedMapping(DType dtype) {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("npy", CAPACITY));
                ObjectStore other = ObjectStore.open(ObjectStoreConfig.named(store.name()));
                SharedArray a = sample(dtype, 5, 3)) {
            ObjectRef<SharedArray> ref = store.put(a);
            assertThat(ref.codec()).isEqualTo("npy");
            assertThat(ref.size()).isEqualTo(a.header().fileSize());
            store.release(ref); // only `other` holds it now: it maps the object itself

            SharedArray got = other.get(ref);
            assertThat(got.dtype()).isEqualTo(dtype);
            assertThat(got.shape()).containsExactly(5, 3);
            assertThat(got.isWritable()).isFalse();
            assertThat(got.toDoubleArray()).containsExactly(a.toDoubleArray());
            assertThat(got.segment().kind()).isEqualTo(SegmentKind.OBJECT);
            assertThat(got.name()).isEqualTo(ref.name());
            other.release(ref);
        }
    }

    @Test
    void shouldGetTheSameMappingEveryTimeWithoutTouchingTheData() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("same", CAPACITY));
                ObjectStore other = ObjectStore.open(ObjectStoreConfig.named(store.name()));
                SharedArray a = sample(DType.FLOAT64, 1000)) {
            ObjectRef<SharedArray> ref = store.put(a);
            SharedArray first = store.get(ref);
            SharedArray second = other.get(ref);
            long address = first.data().address();
            assertThat(address).as("a view of the mapping put wrote, not a copy").isNotEqualTo(a.data().address());
            assertThat(second.data().address()).as("every get in a process shares one mapping").isEqualTo(address);
            assertThat(store.get(ref).data().address()).isEqualTo(address);
            assertThat(first.sum()).isEqualTo(a.sum());

            first.close(); // a view: closing it leaves the store's mapping alone
            assertThat(second.sum()).isEqualTo(a.sum());
            store.release(ref);
            store.release(ref);
            store.release(ref);
            assertThat(second.sum()).as("other still holds it").isEqualTo(a.sum());
            other.release(ref);
            assertThatThrownBy(second::sum).as("the last release unmaps")
                    .isInstanceOf(SegmentClosedException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void shouldStoreArrayObjectsAsTheNpyFileNumpySaveWritesAndNumpyLoadsInPlace() throws Exception {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("numpy", CAPACITY));
                SharedArray a = sample(DType.FLOAT32, 40, 25)) {
            ObjectRef<SharedArray> ref = store.put(a);
            Path file = ShmDirectory.current().path().resolve(ref.name());
            assertThat(Files.readAllBytes(file)).as("the object is the array's .npy file, byte for byte")
                    .isEqualTo(Files.readAllBytes(a.path()));
            String out = Processes.python("""
                    import io, os, sys, numpy as np
                    path = os.path.join(os.environ['SHM4J_DIR'], sys.argv[1])
                    a = np.load(path, mmap_mode='r')
                    assert isinstance(a, np.memmap), type(a)
                    buf = io.BytesIO(); np.save(buf, np.ascontiguousarray(a))
                    same = buf.getvalue() == open(path, 'rb').read()
                    print(a.dtype, a.shape, float(a.astype('float64').sum()), same)
                    """, ref.name()).assertOk().stdout().trim();
            assertThat(out).isEqualTo("float32 (40, 25) " + a.sum() + " True");
        }
    }

    @Test
    void shouldStoreViewsInTheirOwnOrder(@TempDir Path tmp) {
        long[] shape = {4, 6};
        double[] values = new double[24];
        Arrays.setAll(values, i -> i * 1.5);
        // an F-order array (as np.asfortranarray writes): element (i, j) at i + 4 * j
        byte[] head = NpyLayout.encode(DType.FLOAT64, shape, true);
        PendingSegment pending = ShmDirectory.current().reserve(SegmentSpec.of(head.length + 24 * 8L)
                .withName(TestNames.unique("fortran")).withKind(SegmentKind.RAW).withLifetime(Lifetime.SCOPED));
        MemorySegment.copy(head, 0, pending.memory(), ValueLayout.JAVA_BYTE, 0, head.length);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 6; j++) {
                pending.memory().set(ValueLayout.JAVA_DOUBLE, head.length + 8L * (i + 4 * j), values[i * 6 + j]);
            }
        }
        try (SharedArray f = SharedArray.of(pending.publish());
                SharedArray c = sample(DType.INT64, 3, 4, 5);
                ObjectStore store = ObjectStore.open(StoreTesting.config("views", CAPACITY))) {
            assertThat(f.isFContiguous()).isTrue();
            SharedArray fGot = store.get(store.put(f));
            assertThat(fGot.header().fortranOrder()).as("F-contiguous: one copy, kept in F order").isTrue();
            assertThat(fGot.toDoubleArray()).containsExactly(values);

            SharedArray strided = f.row(2); // elements 4 apart
            assertThat(strided.isCContiguous() || strided.isFContiguous()).isFalse();
            SharedArray sGot = store.get(store.put(strided));
            assertThat(sGot.header().fortranOrder()).isFalse();
            assertThat(sGot.toDoubleArray()).containsExactly(Arrays.copyOfRange(values, 12, 18));

            SharedArray slice = c.slice(1, 3).row(1); // a C-contiguous view in the middle
            SharedArray vGot = store.get(store.put(slice));
            assertThat(vGot.shape()).containsExactly(4, 5);
            assertThat(vGot.toLongArray()).isEqualTo(c.row(2).toLongArray());

            SharedArray scalar = store.get(store.put(c.row(0).row(1).row(2))); // 0-d
            assertThat(scalar.ndim()).isZero();
            assertThat(scalar.longs().get()).isEqualTo(c.longs().get(0, 1, 2));
        }
    }

    @Test
    void shouldPutJavaPrimitiveArraysAsNpyArrays() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("java-arrays", CAPACITY))) {
            double[] d = {1.5, Double.NaN, -0.0, 4};
            SharedArray da = store.get(store.putArray(d));
            assertThat(da.dtype()).isEqualTo(DType.FLOAT64);
            assertThat(da.toDoubleArray()).containsExactly(d);

            long[] l = {1, 2, 3, 4, 5, 6};
            SharedArray la = store.get(store.putArray(DType.INT64, new long[] {2, 3}, l));
            assertThat(la.shape()).containsExactly(2, 3);
            assertThat(la.longs().get(1, 2)).isEqualTo(6);

            boolean[] b = {true, false, true};
            assertThat((boolean[]) store.get(store.putArray(b)).toArray()).containsExactly(b);
            assertThat(store.get(store.putArray(new int[] {7, 8})).dtype()).isEqualTo(DType.INT32);
            assertThat(store.get(store.putArray(DType.UINT32, new long[] {2}, new int[] {-1, 2})).getAsLong(0))
                    .isEqualTo(4294967295L);

            assertThatThrownBy(() -> store.putArray(DType.INT64, new long[] {4}, l))
                    .isInstanceOf(ShapeException.class).hasMessageContaining("length=6");
            assertThatThrownBy(() -> store.putArray(DType.FLOAT32, null, d))
                    .isInstanceOf(DTypeMismatchException.class).hasMessageContaining("dtype=float32");
            assertThatThrownBy(() -> store.putArray("not an array")).isInstanceOf(RuntimeException.class);
            assertThat(store.objects()).as("failed puts leave nothing").hasSize(5);
        }
    }

    private static SharedFrame sampleFrame(int rows) {
        long t0 = 1_700_000_000_000_000_000L;
        return SharedFrame.builder(rows)
                .addDoubles("price", i -> i % 5 == 0 ? Double.NaN : i * 0.25, i -> i % 7 == 3)
                .addLongs("qty", i -> i * 3, null)
                .addStrings("sym", i -> "s" + (i % 4))
                .addTimestamps("at", ZoneId.of("UTC"), i -> t0 + i * 1_000_000_000L, null)
                .build();
    }

    @Test
    void shouldRoundTripFramesAsArrowObjectsThatPyarrowOpensInPlace() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("arrow", CAPACITY));
                ObjectStore other = ObjectStore.open(ObjectStoreConfig.named(store.name()));
                SharedFrame f = sampleFrame(1000)) {
            ObjectRef<SharedFrame> ref = store.put(f);
            assertThat(ref.codec()).isEqualTo("arrow");
            assertThat(ref.size()).isEqualTo(f.byteSize());

            SharedFrame got = other.get(ref);
            assertThat(got.memory().address()).isEqualTo(other.get(ref).memory().address());
            assertThat(got.columnNames()).containsExactly("price", "qty", "sym", "at");
            assertThat(got.doubles("price").nansum()).isEqualTo(f.doubles("price").nansum());
            assertThat(got.strings("sym").get(6)).isEqualTo("s2");
            assertThat(got.head(3)).isEqualTo(f.head(3));

            String out = Processes.python("""
                    import os, sys, pyarrow as pa
                    path = os.path.join(os.environ['SHM4J_DIR'], sys.argv[1])
                    t = pa.ipc.open_file(pa.memory_map(path)).read_all()
                    df = t.to_pandas()
                    print(len(df), list(df.columns), round(float(df['price'].sum()), 6), df['sym'][6])
                    """, ref.name()).assertOk().stdout().trim();
            assertThat(out).isEqualTo("1000 ['price', 'qty', 'sym', 'at'] "
                    + Math.round(f.doubles("price").nansum() * 1e6) / 1e6 + " s2");
        }
    }

    @Test
    void shouldGetABorrowedFrameWhoseCloseIsHarmlessAsForArrays() {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("reclose", CAPACITY));
                SharedFrame f = sampleFrame(100)) {
            ObjectRef<SharedFrame> ref = store.put(f);
            SharedFrame got = store.get(ref);
            assertThat(got.isOwning()).as("a borrowed view, as a get of an array").isFalse();
            SharedFrame second = store.get(ref);
            got.close(); // harmless: unmaps nothing
            assertThat(second.doubles("price").nansum()).isEqualTo(f.doubles("price").nansum());
            assertThat(got.memory().address()).isEqualTo(second.memory().address());
            assertThat(store.get(ref).doubles("price").nansum()).isEqualTo(f.doubles("price").nansum());
            assertThat(store.objects().getFirst().pins()).containsExactly(ProcessIdentity.current());
        }
    }

    @Test
    void shouldSpillAndRestoreArrayObjectsIntact(@TempDir Path spill) {
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("spill-npy", 500 << 10, spill));
                SharedArray a = sample(DType.INT32, 100, 1000);
                SharedArray b = sample(DType.INT16, 100, 1000)) {
            ObjectRef<SharedArray> ra = store.put(a);
            store.release(ra);
            ObjectRef<SharedArray> rb = store.put(b); // 400 KB + 200 KB > 500 KiB: a is spilled
            store.release(rb);
            assertThat(store.stats().spills()).isEqualTo(1);
            assertThat(store.get(ra).toLongArray()).as("restored transparently").isEqualTo(a.toLongArray());
            assertThat(store.stats().restores()).isEqualTo(1);
        }
    }

    @Test
    void shouldHandAPinToAnotherProcessWithPutForUntilItGetsOrReleases() {
        ProcessIdentity self = ProcessIdentity.current();
        double[] ten = new double[10];
        Arrays.fill(ten, 1.0);
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("put-for", CAPACITY));
                ObjectStore task = ObjectStore.open(ObjectStoreConfig.named(store.name()));
                SharedArray ones = SharedArray.copyOf(ShmOptions.defaults(), ten)) {
            ObjectRef<SharedArray> kept = task.putFor(ones, self);
            ObjectRef<SharedArray> dropped = task.putFor(ones, self);
            task.close(); // the task's handle ends; the pins it gave stay
            assertThat(store.objects()).allSatisfy(o -> assertThat(o.pins()).containsExactly(self));

            assertThat(store.get(kept).sum()).isEqualTo(10.0); // takes the pin over as a hold
            store.release(dropped); // without a get: drops the pin
            assertThat(pinsOf(store, dropped)).isEmpty();
            assertThat(pinsOf(store, kept)).containsExactly(self);
            store.release(kept);
            assertThat(pinsOf(store, kept)).isEmpty();
            store.release(kept); // nothing left to release: no effect
        }
    }

    private static java.util.List<ProcessIdentity> pinsOf(ObjectStore store, ObjectRef<?> ref) {
        return store.objects().stream().filter(o -> o.name().equals(ref.name())).findFirst().orElseThrow().pins();
    }
}
