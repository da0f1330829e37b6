package io.shm4j.array;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Round trips through real NumPy processes over every dtype × random shapes (0-d to 32-d),
 * several arrays per Python process.
 */
class NumpyRoundTripProperties {

    record Case(DType dtype, long[] shape, long seed) {
        @Override
        public String toString() {
            return dtype + NpyLayout.shapeString(shape);
        }
    }

    @Provide
    Arbitrary<List<Case>> cases() {
        Arbitrary<long[]> small = Arbitraries.longs().between(0, 5).array(long[].class).ofMaxSize(4);
        Arbitrary<long[]> deep = Arbitraries.longs().between(1, 2).array(long[].class).ofMinSize(5).ofMaxSize(32)
                .filter(s -> NpyLayout.elementCount(s) <= 4096);
        Arbitrary<long[]> shapes = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, small), net.jqwik.api.Tuple.of(1, deep));
        Arbitrary<Case> one = Combinators.combine(Arbitraries.of(DType.class).filter(NpyLayoutTest::hasJavaArray), shapes, Arbitraries.longs())
                .as(Case::new);
        return one.list().ofSize(10);
    }

    @Property(tries = 5)
    void shouldReadJavaArraysInNumpyAndBackByteForByte(@ForAll("cases") @Size(10) List<Case> cases)
            throws IOException {
        List<SharedArray> arrays = new ArrayList<>();
        List<String> args = new ArrayList<>();
        Path dir = ShmDirectory.current().path();
        try {
            for (Case c : cases) {
                SharedArray a = SharedArray.copyOf(ShmOptions.named(TestNames.unique("j2n")), c.dtype(),
                        c.shape(), randomJavaArray(c));
                arrays.add(a);
                args.add(a.name());
                args.add(c.dtype().descr());
                args.add(NpyLayout.shapeString(c.shape()));
            }
            Processes.python("""
                    import sys, os, numpy as np, shm4j
                    args = sys.argv[1:]
                    for i in range(0, len(args), 3):
                        name, descr, shape = args[i:i + 3]
                        a = shm4j.attach(name)
                        # shm4j.attach documents a plain ndarray over the mapping (not a memmap,
                        # which np.load(mmap_mode='r') gives): zero-copy and read-only
                        assert type(a) is np.ndarray, type(a)
                        assert not a.flags.owndata and not a.flags.writeable, a.flags
                        assert a.dtype.str == descr, (name, a.dtype.str, descr)
                        assert repr(a.shape) == shape, (name, a.shape, shape)
                        with open(os.path.join(shm4j.shm_dir(), name + '-back'), 'wb') as f:
                            np.save(f, np.array(a))
                    """, args.toArray(String[]::new)).assertOk();
            for (SharedArray a : arrays) {
                Path back = dir.resolve(a.name() + "-back");
                try (SharedArray b = SharedArray.attach(back.getFileName().toString())) {
                    assertThat(Files.mismatch(a.path(), back)).as("bytes of %s", a).isEqualTo(-1L);
                    assertThat(b.dtype()).isEqualTo(a.dtype());
                    assertThat(b.shape()).isEqualTo(a.shape());
                } finally {
                    Files.deleteIfExists(back);
                }
            }
        } finally {
            arrays.forEach(SharedArray::close);
        }
    }

    @Property(tries = 5)
    void shouldReadNumpyArraysInJavaAndBack(@ForAll("cases") @Size(10) List<Case> cases) throws IOException {
        List<String> args = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Path dir = ShmDirectory.current().path();
        for (Case c : cases) {
            String name = TestNames.unique("n2j");
            names.add(name);
            args.addAll(List.of(name, c.dtype().descr(), Arrays.toString(c.shape()), Long.toString(c.seed())));
        }
        List<SharedArray> copies = new ArrayList<>();
        try {
            Processes.python("""
                    import sys, os, json, numpy as np, shm4j
                    args = sys.argv[1:]
                    for i in range(0, len(args), 4):
                        name, descr, shape, seed = args[i:i + 4]
                        shape = tuple(json.loads(shape))
                        rng = np.random.default_rng(int(seed) & 0xffffffff)
                        dt = np.dtype(descr)
                        n = int(np.prod(shape, dtype=np.int64))
                        if dt == np.bool_:
                            a = rng.integers(0, 2, n).astype(bool)
                        else:
                            a = np.frombuffer(rng.bytes(n * dt.itemsize), dtype=dt)
                        a = a.reshape(shape)
                        if len(shape) > 1 and n % 2 == 1:
                            a = np.asfortranarray(a)
                        with open(os.path.join(shm4j.shm_dir(), name), 'wb') as f:
                            np.save(f, a)
                    """, args.toArray(String[]::new)).assertOk();
            List<String> check = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                Case c = cases.get(i);
                try (SharedArray a = SharedArray.attach(names.get(i))) {
                    assertThat(a.dtype()).isEqualTo(c.dtype());
                    assertThat(a.shape()).isEqualTo(c.shape());
                    SharedArray copy = SharedArray.copyOf(ShmOptions.named(TestNames.unique("n2j-copy")),
                            a.dtype(), a.shape(), a.toArray());
                    copies.add(copy);
                    check.add(names.get(i));
                    check.add(copy.name());
                }
            }
            Processes.python("""
                    import sys, numpy as np, shm4j
                    args = sys.argv[1:]
                    for i in range(0, len(args), 2):
                        a, b = shm4j.attach(args[i]), shm4j.attach(args[i + 1])
                        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
                        assert b.flags.c_contiguous
                        assert np.ascontiguousarray(a).tobytes() == b.tobytes(), args[i]
                    """, check.toArray(String[]::new)).assertOk();
        } finally {
            copies.forEach(SharedArray::close);
            for (String n : names) {
                Files.deleteIfExists(dir.resolve(n));
            }
        }
    }

    static Object randomJavaArray(Case c) {
        Random r = new Random(c.seed());
        int n = (int) NpyLayout.elementCount(c.shape());
        return switch (c.dtype()) {
            case FLOAT64 -> {
                double[] a = new double[n];
                double[] special = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE};
                for (int i = 0; i < n; i++) {
                    a[i] = r.nextInt(5) == 0 ? special[r.nextInt(special.length)] : r.nextGaussian() * 1e6;
                }
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = r.nextInt(7) == 0 ? Float.NaN : (float) r.nextGaussian();
                }
                yield a;
            }
            case INT64, UINT64, DATETIME64_NS, DATETIME64_US, DATETIME64_MS, DATETIME64_S, DATETIME64_D, TIMEDELTA64_NS,
                    TIMEDELTA64_US, TIMEDELTA64_MS, TIMEDELTA64_S, TIMEDELTA64_D -> r.longs(n).toArray();
            case INT32, UINT32 -> r.ints(n).toArray();
            case INT16, UINT16, FLOAT16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (short) r.nextInt();
                }
                yield a;
            }
            case INT8, UINT8 -> {
                byte[] a = new byte[n];
                r.nextBytes(a);
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = r.nextBoolean();
                }
                yield a;
            }
            case COMPLEX64, COMPLEX128, RECORD -> throw new IllegalArgumentException("no Java array: " + c.dtype());
        };
    }
}
