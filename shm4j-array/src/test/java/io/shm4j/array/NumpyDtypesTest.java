package io.shm4j.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.segment.Lifetime;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NumPy dtypes of issue 14 — record arrays, datetime64/timedelta64 in every unit, complex,
 * float16, big-endian input — against real NumPy: one Python process writes the files and
 * prints every element as NumPy's {@code str()} shows it; Java reads the same values in place;
 * {@code put} copies them into segments that another Python process loads zero-copy as the same
 * arrays (byte-identical files for little-endian input, converted ones for big-endian input).
 */
class NumpyDtypesTest {
    @TempDir
    static Path dir;

    static final String WRITE = """
            import sys, numpy as np
            d = sys.argv[1]
            out = []
            def s(v):
                return v.decode("latin-1") if isinstance(v, bytes) else str(v)
            def emit(name, a):
                np.save(f"{d}/{name}.npy", a)
                flat = a.reshape(-1)
                for f in (a.dtype.names or [""]):
                    for i, v in enumerate(flat[f] if f else flat):
                        out.append(f"{name}\\t{f}\\t{i}\\t{s(v)}")
            dates = np.array(["2020-01-02T03:04:05.123456789", "NaT", "1969-12-31T23:59:59.5", "2262-04-11"], "M8[ns]")
            rec = np.rec.fromarrays([dates, np.array([1.5, -0.0, np.nan, 1e300]), np.array(["a", "日本語", "", "longer"]),
                np.array([1, -2, 2**31 - 1, -2**31], np.int32), np.array([True, False, True, False]),
                np.array([b"x", b"", b"abc", b"\\xff"], "S3"), np.array([1.5, np.inf, 0.1, 6e-8], np.float16),
                np.array([1 + 2j, -1.5 - 0.5j, np.nan, -0.5j], np.complex64),
                np.array([5, -3, np.timedelta64("NaT"), 0], "m8[s]"), np.array([0, 2**64 - 1, 2**63, 7], np.uint64),
                np.array(["2024-01-31", "NaT", "1900-03-01", "1970-01-01"], "M8[D]"), np.array([1, -1, 127, -128], np.int8)],
                names="date,price,name,qty,flag,code,half,z,wait,big,day,tiny")
            emit("rec", rec)
            al = np.zeros(3, np.dtype([("a", "i1"), ("b", "<f8"), ("c", "<i2")], align=True))
            al["a"] = [1, 2, 3]; al["b"] = [0.5, 1.5, 2.5]; al["c"] = [-1, 0, 1]
            emit("aligned", al)
            emit("rec2d", np.zeros((2, 3), [("x", "<f4"), ("y", "<i8")]))
            for u in ["ns", "us", "ms", "s", "D"]:
                emit("dt_" + u, np.array(["2020-01-02T03:04:05.678901234", "NaT", "1969-12-31T23:59:59"], "M8[ns]").astype("M8[" + u + "]"))
                emit("td_" + u, np.array([1, -86400, np.timedelta64("NaT")], "m8[s]").astype("m8[" + u + "]"))
            emit("c64", np.array([[1 + 2j, -0.5j], [np.inf, np.nan]], np.complex64))
            emit("c128", np.array([1e-300 + 1e300j, -0.0 + 0j, 3.14159, 2j], np.complex128))
            emit("f16", np.array([0.1, 65504, -np.inf, np.nan, 6e-8, -0.0, 1.5], np.float16))
            emit("be_f8", (np.arange(5) / 4).astype(">f8"))
            emit("be_i4", np.array([1, -2, 2**31 - 1], ">i4"))
            emit("be_c16", np.array([1 + 2j, -3j], ">c16"))
            emit("be_m8", np.array([1, "NaT"], ">m8[ms]"))
            emit("be_rec", np.array([(1.5, "ab", 7), (-2.0, "日本", -1)], [("x", ">f8"), ("s", ">U2"), ("i", ">i2")]))
            np.save(d + "/sub.npy", np.zeros(2, [("v", "<f8", (3,))]))
            np.save(d + "/nested.npy", np.zeros(2, [("p", [("x", "<f8"), ("y", "<f8")])]))
            np.save(d + "/obj.npy", np.array([(1, None)], [("a", "<i4"), ("o", "O")]), allow_pickle=True)
            np.save(d + "/titles.npy", np.zeros(2, np.dtype({"names": ["a"], "formats": ["<f8"], "titles": ["Title A"]})))
            np.save(d + "/void.npy", np.zeros(2, "V8"))
            open(d + "/expected.tsv", "w", encoding="utf-8").write("\\n".join(out) + "\\n")
            print("ok")
            """;

    static final String SAME_IN_NUMPY = """
            import sys, numpy as np
            for pair in sys.argv[1:]:
                f, seg = pair.split("=")
                a = np.load(seg, mmap_mode="r")
                b = np.load(f)
                be = f.split("/")[-1].startswith("be_")
                want = b.astype(b.dtype.newbyteorder("<")) if be else b
                assert isinstance(a, np.memmap), type(a)
                assert a.dtype == want.dtype, (f, a.dtype, want.dtype)
                assert a.shape == b.shape, f
                if b.dtype.names and be:  # astype copies fields, not padding: compare field by field
                    assert all(np.array_equal(a[n], b[n]) for n in b.dtype.names), f
                else:
                    assert a.tobytes() == want.tobytes(), f
                if not f.split("/")[-1].startswith("be_"):
                    assert open(seg, "rb").read() == open(f, "rb").read(), "not byte-identical: " + f
                if a.dtype.names:
                    r = a.view(np.recarray)
                    assert list(r.dtype.names) == list(b.dtype.names)
            print("same")
            """;

    static List<String[]> expected;

    @BeforeAll
    static void writeFiles() throws Exception {
        Processes.python(WRITE, dir.toString()).assertOk();
        expected = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("expected.tsv"), StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) {
                expected.add(line.split("\t", -1));
            }
        }
    }

    static long[] unravel(long i, long[] shape) {
        long[] idx = new long[shape.length];
        for (int k = shape.length - 1; k >= 0; k--) {
            idx[k] = i % shape[k];
            i /= shape[k];
        }
        return idx;
    }

    @Test
    void shouldPrintEveryElementAsNumpyDoes() {
        int checked = 0;
        for (String[] e : expected) {
            if (e[0].startsWith("be_")) {
                continue;
            }
            try (SharedArray a = SharedArray.open(dir.resolve(e[0] + ".npy"))) {
                long[] idx = unravel(Long.parseLong(e[2]), a.shape());
                String got = e[1].isEmpty() ? a.format(idx) : a.field(e[1]).format(idx);
                assertThat(got).as("%s[%s] %s", e[0], e[2], e[1]).isEqualTo(e[3]);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(100);
    }

    @Test
    void shouldReadRecordFieldsInPlaceWithTypedValues() {
        try (SharedArray a = SharedArray.open(dir.resolve("rec.npy"))) {
            assertThat(a.dtype()).isEqualTo(DType.RECORD);
            assertThat(a.shape()).containsExactly(4);
            RecordType t = a.recordType();
            assertThat(t.names()).containsExactly("date", "price", "name", "qty", "flag", "code", "half", "z", "wait", "big",
                    "day", "tiny");
            assertThat(t.itemSize()).isEqualTo(8 + 8 + 24 + 4 + 1 + 3 + 2 + 8 + 8 + 8 + 8 + 1);
            assertThat(a.field("price").getAsDouble(0)).isEqualTo(1.5);
            assertThat(a.field("price").getAsDouble(2)).isNaN();
            assertThat(a.field("date").getAsLong(0)).isEqualTo(1_577_934_245_123_456_789L);
            assertThat(a.field("date").get(0)).isEqualTo(Instant.parse("2020-01-02T03:04:05.123456789Z"));
            assertThat(a.field("date").get(1)).isNull();
            assertThat(a.field("name").getString(1)).isEqualTo("日本語");
            assertThat(a.field("code").getString(3)).isEqualTo("\u00ff");
            assertThat(a.field("qty").getAsLong(3)).isEqualTo(Integer.MIN_VALUE);
            assertThat(a.field("flag").get(0)).isEqualTo(true);
            assertThat(a.field("half").getAsDouble(0)).isEqualTo(1.5);
            assertThat(a.field("z").real(1)).isEqualTo(-1.5);
            assertThat(a.field("z").imag(1)).isEqualTo(-0.5);
            assertThat(a.field("wait").get(1)).isEqualTo(Duration.ofSeconds(-3));
            assertThat(a.field("big").get(1)).isEqualTo(new BigInteger("18446744073709551615"));
            assertThat(a.field("day").get(0)).isEqualTo(LocalDate.of(2024, 1, 31));
            assertThat(a.field("tiny").getAsLong(3)).isEqualTo(-128);
            assertThat(a.row(2).field("qty").getAsLong()).isEqualTo(Integer.MAX_VALUE); // a view of one record
            assertThatThrownBy(() -> a.field("nope")).isInstanceOf(UnsupportedDTypeException.class)
                    .hasMessageContaining("fields=[date, price");
            assertThatThrownBy(() -> a.field("name").getAsDouble(0)).isInstanceOf(DTypeMismatchException.class)
                    .hasMessageContaining("getString");
            assertThatThrownBy(a::sum).isInstanceOf(DTypeMismatchException.class).hasMessageContaining("field(name)");
            assertThatThrownBy(a::doubles).isInstanceOf(DTypeMismatchException.class);
            assertThat(a.describe()).contains("record{date: datetime64[ns], price: float64, name: <U6");
            String head = a.head(2);
            assertThat(head.lines().toList()).hasSize(3);
            assertThat(head).contains("date").contains("2020-01-02T03:04:05.123456789").contains("日本語").contains("(1+2j)");
        }
        try (SharedArray a = SharedArray.open(dir.resolve("aligned.npy"))) {
            assertThat(a.recordType().itemSize()).isEqualTo(24);
            assertThat(a.recordType().field("b").offset()).isEqualTo(8);
            assertThat(a.field("c").getAsLong(0)).isEqualTo(-1);
        }
    }

    @Test
    void shouldReadDatetimesTimedeltasComplexAndHalfFloatsAsTypedViews() {
        DType[] dts = {DType.DATETIME64_NS, DType.DATETIME64_US, DType.DATETIME64_MS, DType.DATETIME64_S, DType.DATETIME64_D};
        String[] units = {"ns", "us", "ms", "s", "D"};
        long[] first = {1_577_934_245_678_901_234L, 1_577_934_245_678_901L, 1_577_934_245_678L, 1_577_934_245L, 18_263L};
        for (int k = 0; k < units.length; k++) {
            try (SharedArray a = SharedArray.open(dir.resolve("dt_" + units[k] + ".npy"));
                    SharedArray t = SharedArray.open(dir.resolve("td_" + units[k] + ".npy"))) {
                assertThat(a.dtype()).isEqualTo(dts[k]);
                assertThat(a.longs().get(0)).isEqualTo(first[k]);
                assertThat(a.longs().get(1)).isEqualTo(Long.MIN_VALUE);
                assertThat(a.minLong()).isEqualTo(Long.MIN_VALUE);
                assertThat(t.dtype().kind()).isEqualTo(DType.Kind.TIMEDELTA);
                assertThat(t.dtype().timeUnit()).isEqualTo(dts[k].timeUnit());
                assertThatThrownBy(a::sum).isInstanceOf(DTypeMismatchException.class);
            }
        }
        try (SharedArray a = SharedArray.open(dir.resolve("c128.npy")); SharedArray b = SharedArray.open(dir.resolve("c64.npy"))) {
            assertThat(a.complexes().real(0)).isEqualTo(1e-300);
            assertThat(a.complexes().imag(0)).isEqualTo(1e300);
            assertThat(b.complexes().imag(0, 1)).isEqualTo(-0.5);
            assertThatThrownBy(a::sum).isInstanceOf(DTypeMismatchException.class).hasMessageContaining("complexes()");
            assertThatThrownBy(() -> a.getAsDouble(0)).isInstanceOf(DTypeMismatchException.class);
        }
        try (SharedArray a = SharedArray.open(dir.resolve("f16.npy"))) {
            assertThat(a.dtype()).isEqualTo(DType.FLOAT16);
            assertThat(a.getAsDouble(1)).isEqualTo(65504.0);
            assertThat(Float.float16ToFloat(a.shorts().get(6))).isEqualTo(1.5f);
            assertThat(a.max()).isNaN(); // NaN propagates, as NumPy
            assertThat(a.slice(5, 7).sum()).isEqualTo(1.5);
        }
    }

    @Test
    void shouldPutEveryTypeSoThatNumpyLoadsTheSameArrayZeroCopy() {
        List<String> pairs = new ArrayList<>();
        List<SharedArray> puts = new ArrayList<>();
        try {
            for (String name : List.of("rec", "aligned", "rec2d", "dt_us", "dt_D", "td_ns", "td_s", "c64", "c128", "f16",
                    "be_f8", "be_i4", "be_c16", "be_m8", "be_rec")) {
                Path f = dir.resolve(name + ".npy");
                SharedArray a = SharedArray.copyOf(ShmOptions.named(TestNames.unique("npy")).withLifetime(Lifetime.SCOPED), f);
                puts.add(a);
                assertThat(SharedArray.readHeader(f).bigEndian()).isEqualTo(name.startsWith("be_"));
                assertThat(a.header().bigEndian()).isFalse();
                pairs.add(f + "=" + a.segment().path());
            }
            assertThat(puts.get(10).getAsDouble(4)).isEqualTo(1.0); // be_f8 converted
            assertThat(puts.get(11).getAsLong(1)).isEqualTo(-2);
            assertThat(puts.get(12).complexes().imag(1)).isEqualTo(-3.0);
            assertThat(puts.get(14).field("s").getString(1)).isEqualTo("日本");
            assertThat(puts.get(14).field("i").getAsLong(1)).isEqualTo(-1);
            Processes.python(SAME_IN_NUMPY, pairs.toArray(String[]::new)).assertOk();
        } finally {
            puts.forEach(SharedArray::close);
        }
    }

    @Test
    void shouldReadARecordArrayPythonShared() {
        String name = TestNames.unique("py-rec");
        Processes.python("""
                import sys, numpy as np, shm4j
                r = np.rec.fromarrays([np.array(["2024-01-31", "NaT"], "M8[us]"), np.array([1.5, -2.0], ">f8"),
                                       np.array(["ab", "日本"])], names="when,price,name")
                shm4j.share(r, name=sys.argv[1], persistent=True)
                try:
                    shm4j.share(np.zeros(2, [("v", "<f8", (3,))]), name=sys.argv[1] + "-sub")
                    raise SystemExit("a subarray field was shared")
                except shm4j.UnsupportedTypeError as e:
                    assert "field='v'" in str(e), e
                print("ok")
                """, name).assertOk();
        try (SharedArray a = SharedArray.attach(name)) {
            assertThat(a.recordType().describe()).isEqualTo("{when: datetime64[us], price: float64, name: <U2}");
            assertThat(a.field("when").get(0)).isEqualTo(Instant.parse("2024-01-31T00:00:00Z"));
            assertThat(a.field("price").getAsDouble(1)).isEqualTo(-2.0); // big-endian input, little-endian segment
            assertThat(a.field("name").getString(1)).isEqualTo("日本");
            a.unlink();
        }
    }

    @Test
    void shouldRefuseWhatItDoesNotHoldWithOneLineNamingTheDtype() {
        String[][] cases = {
            {"be_f8", "big-endian data is not read in place: descr=>f8", "shm4j put"},
            {"be_rec", "big-endian record fields", "shm4j put"},
            {"sub", "subarray fields are not supported: field=\"v\"", "own field"},
            {"nested", "nested records are not supported: field=\"p\"", "flatten"},
            {"obj", "object fields are not supported: field=\"o\"", "convert"},
            {"titles", "titles", "rename"},
            {"void", "descr=|V8", "supported"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> SharedArray.open(dir.resolve(c[0] + ".npy")).close())
                    .as(c[0]).isInstanceOf(UnsupportedDTypeException.class)
                    .hasMessageContaining(c[1]).hasMessageContaining(c[2])
                    .satisfies(x -> assertThat(x.getMessage()).doesNotContain("\n"));
        }
    }
}
