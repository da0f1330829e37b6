package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.segment.Lifetime;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Arrow types pyarrow, pandas and polars write with their default settings, read in place
 * and compared with what pyarrow wrote; the files come from one real Python process.
 */
class ArrowTypesTest {
    @TempDir
    static Path dir;

    static final String SCRIPT = """
            import sys, datetime, decimal, numpy as np, pandas as pd, pyarrow as pa, pyarrow.feather as feather, polars as pl, pyarrow.csv as csv
            d = sys.argv[1]
            n = 5
            t = pa.table({
                "sv": pa.array(["a", None, "a string longer than twelve", "日本語", ""], pa.string_view()),
                "bv": pa.array([b"\\x00\\x01", None, b"x" * 20, b"", b"z"], pa.binary_view()),
                "d32": pa.array([datetime.date(2020, 1, 2), None, datetime.date(1969, 12, 31), datetime.date(2024, 2, 29), datetime.date(1, 1, 1)], pa.date32()),
                "d64": pa.array([datetime.date(2020, 1, 2), None, datetime.date(1969, 12, 31), datetime.date(2024, 2, 29), datetime.date(2000, 1, 1)], pa.date64()),
                "t32s": pa.array([0, 3600, None, 86399, 61], pa.time32("s")),
                "t32ms": pa.array([0, 3600_000, None, 86399_999, 61_001], pa.time32("ms")),
                "t64us": pa.array([0, 1, None, 86399_999_999, 45_000_000_123], pa.time64("us")),
                "t64ns": pa.array([0, 1, None, 86399_999_999_999, 45_000_000_123_456], pa.time64("ns")),
                "dur": pa.array([1_500_000, None, -3, 0, 2**62], pa.duration("us")),
                "dec": pa.array([decimal.Decimal("1.50"), None, decimal.Decimal("-3.25"), decimal.Decimal("12345678901234567890123456.78"), decimal.Decimal("0.00")], pa.decimal128(30, 2)),
                "bin": pa.array([b"ab", None, b"", b"\\xff", b"hello"], pa.binary()),
                "lbin": pa.array([b"ab", None, b"", b"\\xff", b"hello"], pa.large_binary()),
                "fsb": pa.array([b"abcd", None, b"0000", b"wxyz", b"\\x00\\x00\\x00\\x01"], pa.binary(4)),
                "u64": pa.array([0, 1, None, 2**64 - 1, 2**63], pa.uint64()),
                "f16": pa.array(np.array([1.5, 0, np.nan, -2.25, 65504], dtype=np.float16)),
                "dict64": pa.DictionaryArray.from_arrays(pa.array([1, 0, None, 1, 0], pa.int64()), pa.array(["p", "q"])),
                "lst": pa.array([[1, 2], None, [], [3, None], [4]], pa.list_(pa.int64())),
                "llst": pa.array([["a"], None, [], ["b", None], ["日本"]], pa.large_list(pa.string())),
                "st": pa.array([{"x": 1, "y": "a"}, None, {"x": None, "y": "c"}, {"x": 4, "y": None}, {"x": 5, "y": "e"}],
                               pa.struct([("x", pa.int32()), ("y", pa.string())])),
            })
            feather.write_feather(t, d + "/types.arrow", compression="uncompressed")
            # pandas: integer categories, uint64, float16, default settings (LZ4)
            pdf = pd.DataFrame({"cat": pd.Categorical([3, 1, None, 3, 2]), "u": np.array([1, 2, 3, 2**64 - 1, 0], dtype=np.uint64),
                                "h": np.array([0.5, 1, 2, 3, 4], dtype=np.float16), "s": ["a", "b", None, "d", "e"]})
            pdf.to_feather(d + "/pandas.feather")
            pdf.to_feather(d + "/pandas_zstd.feather", compression="zstd")
            # buffers of many 64 KiB LZ4 blocks: Arrow C++ links the blocks of a frame
            big = pd.DataFrame({"x": np.arange(200_000), "s": np.array(["ab", "cde"])[np.arange(200_000) % 2]})
            big.to_feather(d + "/big_lz4.feather")
            big.to_feather(d + "/big_zstd.feather", compression="zstd")
            # polars default write_ipc
            pl.DataFrame({"s": ["x", None, "a longer string value here", "y", "z"], "c": pl.Series(["u", "v", "u", None, "v"], dtype=pl.Categorical),
                          "i": [1, 2, 3, 4, 5]}).write_ipc(d + "/polars.arrow")
            # stream format
            with pa.OSFile(d + "/stream.arrows", "wb") as s, pa.ipc.new_stream(s, t.schema) as w:
                for b in t.to_batches(max_chunksize=2):
                    w.write_batch(b)
            with pa.OSFile(d + "/stream_lz4.arrows", "wb") as s, pa.ipc.new_stream(s, t.schema, options=pa.ipc.IpcWriteOptions(compression="lz4")) as w:
                w.write_table(t)
            # expected CSV text for the flat types pyarrow's writer supports
            flat = t.select(["d32", "d64", "t32s", "t32ms", "t64us", "t64ns", "dur", "dec", "u64"])
            csv.write_csv(flat, d + "/expected.csv", csv.WriteOptions(quoting_style="none"))
            print("ok")
            """;

    @BeforeAll
    static void writeFiles() {
        Processes.python(SCRIPT, dir.toString()).assertOk();
    }

    static void assertTypes(FrameView v) {
        assertThat(v.rowCount()).isEqualTo(5);
        StringColumn sv = v.strings("sv");
        assertThat(sv.arrowType()).isEqualTo("string_view");
        assertThat(Arrays.asList(sv.get(0), sv.get(1), sv.get(2), sv.get(3), sv.get(4)))
                .containsExactly("a", null, "a string longer than twelve", "日本語", "");
        BinaryColumn bv = v.binaries("bv");
        assertThat(bv.arrowType()).isEqualTo("binary_view");
        assertThat(bv.get(0)).containsExactly(0, 1);
        assertThat(bv.get(1)).isNull();
        assertThat(new String(bv.get(2), StandardCharsets.US_ASCII)).isEqualTo("x".repeat(20));
        assertThat(v.dates("d32").get(0)).isEqualTo(LocalDate.of(2020, 1, 2));
        assertThat(v.dates("d32").get(4)).isEqualTo(LocalDate.of(1, 1, 1));
        assertThat(v.dates("d32").arrowType()).isEqualTo("date32[day]");
        assertThat(v.dates("d64").get(2)).isEqualTo(LocalDate.of(1969, 12, 31));
        assertThat(v.dates("d64").arrowType()).isEqualTo("date64[ms]");
        assertThat(v.dates("d64").get(1)).isNull();
        assertThat(v.times("t32s").get(3)).isEqualTo(LocalTime.of(23, 59, 59));
        assertThat(v.times("t32ms").get(4)).isEqualTo(LocalTime.of(0, 1, 1, 1_000_000));
        assertThat(v.times("t64us").get(4)).isEqualTo(LocalTime.of(12, 30, 0, 123_000));
        assertThat(v.times("t64ns").get(4)).isEqualTo(LocalTime.of(12, 30, 0, 123_456));
        assertThat(v.times("t64ns").arrowType()).isEqualTo("time64[ns]");
        assertThat(v.durations("dur").get(0)).isEqualTo(Duration.ofMillis(1500));
        assertThat(v.durations("dur").raw(4)).isEqualTo(1L << 62);
        assertThat(v.durations("dur").arrowType()).isEqualTo("duration[us]");
        DecimalColumn dec = v.decimals("dec");
        assertThat(dec.arrowType()).isEqualTo("decimal128(30, 2)");
        assertThat(dec.get(2)).isEqualTo(new BigDecimal("-3.25"));
        assertThat(dec.get(3)).isEqualTo(new BigDecimal("12345678901234567890123456.78"));
        assertThat(dec.get(1)).isNull();
        assertThat(v.binaries("bin").get(3)).containsExactly(0xff);
        assertThat(v.binaries("lbin").arrowType()).isEqualTo("large_binary");
        assertThat(new String(v.binaries("lbin").get(4), StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(v.binaries("fsb").fixedWidth()).isEqualTo(4);
        assertThat(v.binaries("fsb").get(4)).containsExactly(0, 0, 0, 1);
        assertThat(v.binaries("fsb").get(1)).isNull();
        LongColumn u64 = v.longs("u64");
        assertThat(u64.getObject(3)).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(u64.format(4)).isEqualTo("9223372036854775808");
        assertThat(u64.getObject(1)).isEqualTo(1L);
        DoubleColumn f16 = v.doubles("f16");
        assertThat(f16.arrowType()).isEqualTo("halffloat");
        assertThat(f16.get(0)).isEqualTo(1.5);
        assertThat(f16.get(2)).isNaN();
        assertThat(f16.get(4)).isEqualTo(65504.0);
        StringColumn dict = v.strings("dict64");
        assertThat(dict.arrowType()).isEqualTo("dictionary<values=string, indices=int64, ordered=0>");
        assertThat(Arrays.asList(dict.get(0), dict.get(1), dict.get(2))).containsExactly("q", "p", null);
        ListColumn lst = v.lists("lst");
        assertThat(lst.arrowType()).isEqualTo("list<item: int64>");
        assertThat(lst.get(0)).containsExactly(1L, 2L);
        assertThat(lst.get(1)).isNull();
        assertThat(lst.get(2)).isEmpty();
        assertThat(lst.get(3)).containsExactly(3L, null);
        assertThat(((LongColumn) lst.values(4)).get(0)).isEqualTo(4);
        assertThat(lst.format(3)).isEqualTo("[3, None]");
        ListColumn llst = v.lists("llst");
        assertThat(llst.arrowType()).isEqualTo("large_list<item: string>");
        assertThat(llst.get(3)).containsExactly("b", null);
        assertThat(llst.get(4)).containsExactly("日本");
        StructColumn st = v.structs("st");
        assertThat(st.arrowType()).isEqualTo("struct<x: int32, y: string>");
        assertThat(st.get(0)).isEqualTo(Map.of("x", 1L, "y", "a"));
        assertThat(st.get(1)).isNull();
        assertThat(st.format(2)).isEqualTo("{'x': None, 'y': 'c'}");
        assertThat(((StringColumn) st.field("y")).get(4)).isEqualTo("e");
        assertThat(st.slice(3, 5).get(1)).isEqualTo(Map.of("x", 5L, "y", "e"));
        for (Column c : List.of(bv, v.dates("d32"), v.times("t64ns"), v.durations("dur"), dec, lst, st)) {
            assertThatThrownBy(() -> c.getObject(5)).as(c.name()).isInstanceOf(io.shm4j.OutOfBoundsException.class)
                    .hasMessageContaining("row=5").hasMessageContaining("column=" + c.name());
        }
        assertThatThrownBy(() -> lst.slice(2, 6)).isInstanceOf(io.shm4j.OutOfBoundsException.class);
    }

    @Test
    void shouldReadEveryTypeInPlaceWithTheValuesPyarrowWrote() {
        try (SharedFrame f = SharedFrame.open(dir.resolve("types.arrow"))) {
            assertTypes(f.view());
            assertThat(f.schemaDescription()).contains("st      struct<x: int32, y: string>  nulls=1");
            assertThat(f.head(5)).contains("a string longer than twelve").contains("[3, None]");
        }
    }

    @Test
    void shouldExportTheFlatTypesToCsvAsPyarrowDoes() throws Exception {
        List<String> expected = Files.readAllLines(dir.resolve("expected.csv"));
        try (SharedFrame f = SharedFrame.open(dir.resolve("types.arrow"))) {
            StringWriter out = new StringWriter();
            f.view().select("d32", "d64", "t32s", "t32ms", "t64us", "t64ns", "dur", "dec", "u64").writeCsv(out);
            List<String> lines = out.toString().lines().toList();
            assertThat(lines.get(0)).isEqualTo(expected.get(0).replace("\"", ""));
            assertThat(lines.subList(1, lines.size())).containsExactlyElementsOf(expected.subList(1, expected.size()));
        }
    }

    @Test
    void shouldReadPolarsDefaultFileWithStringViewsAndCategoricals() {
        try (SharedFrame f = SharedFrame.open(dir.resolve("polars.arrow"))) {
            StringColumn s = f.view().strings("s");
            assertThat(s.arrowType()).isEqualTo("string_view");
            assertThat(s.get(2)).isEqualTo("a longer string value here");
            assertThat(s.get(1)).isNull();
            StringColumn c = f.view().strings("c");
            assertThat(c.isCategory()).isTrue();
            assertThat(c.arrowType()).isEqualTo("dictionary<values=string_view, indices=uint32, ordered=0>");
            assertThat(Arrays.asList(c.get(0), c.get(1), c.get(2), c.get(3))).containsExactly("u", "v", "u", null);
            assertThat(f.view().longs("i").sum()).isEqualTo(15);
        }
    }

    @Test
    void shouldSayWhichColumnsCannotBeCopiedIntoANewFrame() {
        try (SharedFrame f = SharedFrame.open(dir.resolve("types.arrow"))) {
            assertThatThrownBy(() -> SharedFrame.copyOf(ShmOptions.defaults(), f.view().select("d32", "lst")))
                    .isInstanceOf(UnsupportedArrowTypeException.class).hasMessageContaining("column=lst")
                    .hasMessageContaining("type=list<item: int64>");
            try (SharedFrame copy = SharedFrame.copyOf(ShmOptions.named(TestNames.unique("copy")).withLifetime(Lifetime.SCOPED),
                    f.view().select("sv", "d32", "t64ns", "dur", "dec", "u64", "f16", "fsb", "bin", "lbin", "bv"))) {
                assertThat(copy.view().strings("sv").get(2)).isEqualTo("a string longer than twelve");
                assertThat(copy.view().strings("sv").arrowType()).isEqualTo("string");
                assertThat(copy.view().decimals("dec").get(3)).isEqualTo(new BigDecimal("12345678901234567890123456.78"));
                assertThat(copy.view().times("t64ns").get(4)).isEqualTo(LocalTime.of(12, 30, 0, 123_456));
                assertThat(copy.view().longs("u64").format(3)).isEqualTo("18446744073709551615");
                assertThat(copy.view().doubles("f16").get(4)).isEqualTo(65504.0);
                assertThat(copy.view().binaries("fsb").get(0)).containsExactly('a', 'b', 'c', 'd');
                // variable binary (and binary_view) is copied as binary, nulls and empty values kept
                for (String c : List.of("bin", "lbin")) {
                    BinaryColumn b = copy.view().binaries(c);
                    assertThat(b.arrowType()).isEqualTo("binary");
                    assertThat(Arrays.asList(b.get(0), b.get(1), b.get(2), b.get(3), b.get(4))).containsExactly(
                            new byte[] {'a', 'b'}, null, new byte[0], new byte[] {(byte) 0xff}, "hello".getBytes(StandardCharsets.US_ASCII));
                }
                assertThat(copy.view().binaries("bv").arrowType()).isEqualTo("binary");
                assertThat(copy.view().binaries("bv").get(2)).hasSize(20);
                assertThat(copy.view().binaries("bv").isNull(1)).isTrue();
            }
        }
    }

    static final String SAME_AS_PYARROW = """
            import sys, pyarrow as pa, pandas as pd
            seg, orig = sys.argv[1], sys.argv[2]
            got = pa.ipc.open_file(pa.memory_map(seg)).read_all()
            try:
                want = pa.ipc.open_file(pa.memory_map(orig)).read_all()
            except pa.ArrowInvalid:
                want = pa.ipc.open_stream(pa.memory_map(orig)).read_all()
            assert got.schema.equals(want.schema, check_metadata=True), (got.schema, want.schema)
            # compares values as text: NaN (in f16) is not equal to itself in Table.equals
            bad = [c for c in want.column_names if str(got[c].to_pylist()) != str(want[c].to_pylist())]
            assert not bad and got.num_rows == want.num_rows, bad
            if want.schema.pandas_metadata:
                assert pd.read_feather(seg).equals(pd.read_feather(orig))
            print("same")
            """;

    @Test
    void shouldPutCompressedFilesAndStreamsKeepingEveryTypeAsPyarrowReadsIt() {
        for (String file : List.of("types.arrow", "stream.arrows", "stream_lz4.arrows", "pandas.feather",
                "pandas_zstd.feather", "polars.arrow", "big_lz4.feather", "big_zstd.feather")) {
            try (SharedFrame f = SharedFrame.copyOf(ShmOptions.named(TestNames.unique("put")).withLifetime(Lifetime.SCOPED),
                    dir.resolve(file))) {
                assertThat(f.segment().kind()).isEqualTo(io.shm4j.segment.SegmentKind.FRAME);
                if (file.contains("types") || file.contains("stream")) {
                    assertTypes(f.view());
                } else if (file.contains("pandas")) {
                    LongColumn cat = f.view().longs("cat");
                    assertThat(cat.arrowType()).isEqualTo("dictionary<values=int64, indices=int8, ordered=0>");
                    assertThat(Arrays.asList(cat.getObject(0), cat.getObject(1), cat.getObject(2), cat.getObject(4)))
                            .containsExactly(3L, 1L, null, 2L);
                    assertThat(cat.sum()).isEqualTo(9);
                    assertThat(f.view().longs("u").format(3)).isEqualTo("18446744073709551615");
                    assertThat(f.view().doubles("h").get(0)).isEqualTo(0.5);
                    assertThat(f.view().strings("s").get(3)).isEqualTo("d");
                } else if (file.contains("big")) {
                    assertThat(f.view().longs("x").sum()).isEqualTo(199_999L * 200_000L / 2);
                    assertThat(f.view().strings("s").get(199_999)).isEqualTo("cde");
                }
                Processes.python(SAME_AS_PYARROW, f.segment().path().toString(), dir.resolve(file).toString())
                        .assertOk();
            }
        }
    }

    @Test
    void shouldTellToPutACompressedFileThatIsOpenedInPlace() {
        assertThatThrownBy(() -> SharedFrame.open(dir.resolve("pandas.feather")))
                .isInstanceOf(CompressedFrameException.class).hasMessageContaining("codec=LZ4_FRAME")
                .hasMessageContaining("shm4j put");
        assertThatThrownBy(() -> SharedFrame.open(dir.resolve("stream.arrows")))
                .isInstanceOf(FrameFormatException.class).hasMessageContaining("stream")
                .hasMessageContaining("shm4j put");
    }
}
