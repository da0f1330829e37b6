package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.array.DType;
import io.shm4j.array.DTypeMismatchException;
import io.shm4j.array.NpyLayout;
import io.shm4j.array.RecordType;
import io.shm4j.array.SharedArray;
import io.shm4j.array.UnsupportedDTypeException;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SharedFrame#fromRecords}: one column per field of a NumPy record array, each field kind
 * checked in Java (record files written here byte by byte), and against what pandas'
 * {@code DataFrame.from_records(np.load(...))} gives in a real Python process.
 */
class FromRecordsTest {
    static final long NAT = Long.MIN_VALUE;

    @TempDir
    Path dir;

    /** A packed record type of {@code (name, dtype or "S<n>"/"U<n>")} pairs. */
    static RecordType type(Object... nameAndType) {
        List<RecordType.Field> fields = new ArrayList<>();
        long at = 0;
        for (int k = 0; k < nameAndType.length; k += 2) {
            String name = (String) nameAndType[k];
            RecordType.Field f = nameAndType[k + 1] instanceof DType t ? new RecordType.Field(name, at, t, (char) 0, 0, false)
                    : new RecordType.Field(name, at, null, ((String) nameAndType[k + 1]).charAt(0),
                            Integer.parseInt(((String) nameAndType[k + 1]).substring(1)), false);
            fields.add(f);
            at += f.size();
        }
        return new RecordType(fields, (int) at);
    }

    /** Writes a 1-d record {@code .npy} file; {@code rows} fills the records in order, little-endian. */
    Path npy(RecordType type, int rows, Consumer<ByteBuffer> fill) throws IOException {
        byte[] header = NpyLayout.encode(type, new long[] {rows}, false);
        ByteBuffer b = ByteBuffer.allocate(header.length + rows * type.itemSize()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header);
        fill.accept(b);
        assertThat(b.remaining()).as("records filled").isZero();
        Path p = dir.resolve(TestNames.unique("rec") + ".npy");
        Files.write(p, b.array());
        return p;
    }

    static void text(ByteBuffer b, String s, int bytes) {
        byte[] v = s.getBytes(StandardCharsets.ISO_8859_1);
        b.put(v).put(new byte[bytes - v.length]);
    }

    static void utf32(ByteBuffer b, String s, int chars) {
        int[] cps = s.codePoints().toArray();
        for (int cp : cps) {
            b.putInt(cp);
        }
        for (int k = cps.length; k < chars; k++) {
            b.putInt(0);
        }
    }

    @Test
    void shouldMakeOneColumnPerFieldOfEveryKind() throws IOException {
        RecordType t = type("i8", DType.INT8, "u16", DType.UINT16, "i32", DType.INT32, "i64", DType.INT64,
                "u64", DType.UINT64, "f16", DType.FLOAT16, "f32", DType.FLOAT32, "f64", DType.FLOAT64, "b", DType.BOOL,
                "ts", DType.DATETIME64_NS, "tus", DType.DATETIME64_US, "d", DType.DATETIME64_D, "td", DType.TIMEDELTA64_MS,
                "tdd", DType.TIMEDELTA64_D, "s", "S5", "u", "U3");
        Path file = npy(t, 3, b -> {
            // row 0
            b.put((byte) -5).putShort((short) 65535).putInt(-2).putLong(Long.MIN_VALUE).putLong(-1L)
                    .putShort(Float.floatToFloat16(1.5f)).putFloat(2.5f).putDouble(Double.NaN).put((byte) 1)
                    .putLong(1_700_000_000_123_456_789L).putLong(1_700_000_000_123_456L).putLong(19_723).putLong(1500)
                    .putLong(2);
            text(b, "ab\0c", 5);
            utf32(b, "xé", 3);
            // row 1: NaT everywhere it can be
            b.put((byte) 127).putShort((short) 1).putInt(Integer.MAX_VALUE).putLong(7).putLong(1)
                    .putShort(Float.floatToFloat16(-0.0f)).putFloat(Float.NaN).putDouble(-0.0).put((byte) 0)
                    .putLong(NAT).putLong(NAT).putLong(NAT).putLong(NAT).putLong(NAT);
            text(b, "", 5);
            utf32(b, "😀", 3);
            // row 2
            b.put((byte) 0).putShort((short) 0).putInt(0).putLong(0).putLong(0).putShort((short) 0).putFloat(0)
                    .putDouble(1e300).put((byte) 2).putLong(-1).putLong(-1).putLong(-1).putLong(-3).putLong(-1);
            text(b, "hello", 5);
            utf32(b, "", 3);
        });
        try (SharedArray rec = SharedArray.open(file);
                SharedFrame f = SharedFrame.fromRecords(ShmOptions.named(TestNames.unique("fromrec")), rec)) {
            FrameView v = f.view();
            assertThat(v.columns().stream().map(Column::name).toList()).containsExactlyElementsOf(t.names());
            assertThat(v.columns().stream().map(Column::arrowType).toList()).containsExactly("int8", "uint16", "int32",
                    "int64", "uint64", "halffloat", "float", "double", "bool", "timestamp[ns]", "timestamp[us]",
                    "date32[day]", "duration[ms]", "duration[s]", "binary", "string");
            assertThat(f.rowCount()).isEqualTo(3);
            assertThat(v.index().isRange()).isTrue();

            assertThat(v.longs("i8").get(0)).isEqualTo(-5);
            assertThat(v.longs("u16").get(0)).isEqualTo(65535);
            assertThat(v.longs("i32").get(1)).isEqualTo(Integer.MAX_VALUE);
            assertThat(v.longs("i64").get(0)).isEqualTo(Long.MIN_VALUE);
            assertThat(v.longs("i64").isNull(0)).as("int64 min is a value, not NaT").isFalse();
            assertThat(v.longs("u64").getObject(0)).hasToString("18446744073709551615");
            assertThat(v.doubles("f16").get(0)).isEqualTo(1.5);
            assertThat(Double.doubleToRawLongBits(v.doubles("f16").get(1))).isEqualTo(Double.doubleToRawLongBits(-0.0));
            assertThat(v.doubles("f32").get(0)).isEqualTo(2.5);
            assertThat(v.doubles("f32").get(1)).isNaN();
            assertThat(v.doubles("f64").get(0)).isNaN();
            assertThat(v.doubles("f64").nullCount()).as("NaN stays NaN, as in pandas").isZero();
            assertThat(v.doubles("f64").get(2)).isEqualTo(1e300);
            assertThat(List.of(v.bools("b").get(0), v.bools("b").get(1), v.bools("b").get(2))).containsExactly(true, false,
                    true);

            assertThat(v.timestamps("ts").unit()).isEqualTo(TimeUnit.NANOSECONDS);
            assertThat(v.timestamps("ts").epochNanos(0)).isEqualTo(1_700_000_000_123_456_789L);
            assertThat(v.timestamps("ts").isNull(1)).isTrue();
            assertThat(v.timestamps("ts").epochNanos(2)).isEqualTo(-1);
            assertThat(v.timestamps("tus").unit()).isEqualTo(TimeUnit.MICROSECONDS);
            assertThat(v.timestamps("tus").instant(0)).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 123_456_000L));
            assertThat(v.timestamps("tus").nullCount()).isEqualTo(1);
            assertThat(v.dates("d").get(0)).isEqualTo(LocalDate.of(2024, 1, 1));
            assertThat(v.dates("d").isNull(1)).isTrue();
            assertThat(v.dates("d").get(2)).isEqualTo(LocalDate.of(1969, 12, 31));
            assertThat(v.durations("td").get(0)).isEqualTo(Duration.ofMillis(1500));
            assertThat(v.durations("td").isNull(1)).isTrue();
            assertThat(v.durations("td").get(2)).isEqualTo(Duration.ofMillis(-3));
            assertThat(v.durations("tdd").unit()).as("days as seconds, as pandas makes m8[D] m8[s]")
                    .isEqualTo(TimeUnit.SECONDS);
            assertThat(v.durations("tdd").get(0)).isEqualTo(Duration.ofDays(2));
            assertThat(v.durations("tdd").get(2)).isEqualTo(Duration.ofDays(-1));

            assertThat(v.binaries("s").get(0)).as("interior NUL kept, trailing NULs stripped")
                    .containsExactly('a', 'b', 0, 'c');
            assertThat(v.binaries("s").get(1)).isEmpty();
            assertThat(v.binaries("s").get(2)).containsExactly("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(v.binaries("s").nullCount()).isZero();
            assertThat(v.strings("u").get(0)).isEqualTo("xé");
            assertThat(v.strings("u").get(1)).isEqualTo("😀");
            assertThat(v.strings("u").get(2)).isEmpty();
            assertThat(v.strings("u").isNull(2)).isFalse();
        }
    }

    @Test
    void shouldTakeSelectedFieldsOfAStridedViewBesideOtherColumns() throws IOException {
        RecordType t = type("id", DType.INT32, "x", DType.FLOAT64, "name", "U4");
        int rows = 1000;
        Path file = npy(t, rows, b -> {
            for (int i = 0; i < rows; i++) {
                b.putInt(i).putDouble(i * 0.5);
                utf32(b, "n" + (i % 100), 4);
            }
        });
        try (SharedArray rec = SharedArray.open(file)) {
            SharedArray part = rec.slice(10, 20);
            try (SharedFrame f = SharedFrame.builder(10).addRecords(part, "name", "id")
                    .addDoubles("twice", i -> 2 * part.field("x").getAsDouble(i), null)
                    .indexColumn("id").build(ShmOptions.named(TestNames.unique("fromrec")))) {
                FrameView v = f.view();
                assertThat(v.columns().stream().map(Column::name).toList()).containsExactly("name", "twice");
                assertThat(v.index().columns().get(0).getObject(3)).isEqualTo(13L);
                assertThat(v.strings("name").get(9)).isEqualTo("n19");
                assertThat(v.doubles("twice").get(9)).isEqualTo(19.0);
            }
            assertThatThrownBy(() -> SharedFrame.builder(1000).addRecords(rec, "nope"))
                    .isInstanceOf(UnsupportedDTypeException.class).hasMessageContaining("field=nope")
                    .hasMessageContaining("[id, x, name]");
            assertThatThrownBy(() -> SharedFrame.builder(999).addRecords(rec))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length=1000, rows=999");
        }
    }

    @Test
    void shouldRefuseComplexFieldsTwoDimensionsAndPlainArraysNamingWhat() throws IOException {
        RecordType t = type("ok", DType.INT64, "z", DType.COMPLEX128);
        Path file = npy(t, 4, b -> {
            for (int i = 0; i < 4; i++) {
                b.putLong(i).putDouble(i).putDouble(-i);
            }
        });
        try (SharedArray rec = SharedArray.open(file)) {
            assertThatThrownBy(() -> SharedFrame.fromRecords(ShmOptions.named(TestNames.unique("fromrec")), rec))
                    .isInstanceOf(UnsupportedArrowTypeException.class)
                    .hasMessageContaining("field=z, dtype=complex128")
                    .hasMessageContaining("Arrow has no complex")
                    .hasMessageNotContaining("\n");
            try (SharedFrame f = SharedFrame.builder(4).addRecords(rec, "ok").build(ShmOptions.named(TestNames.unique("fromrec")))) {
                assertThat(f.view().longs("ok").sum()).isEqualTo(6);
            }
            assertThatThrownBy(() -> SharedFrame.fromRecords(ShmOptions.defaults(), rec.reshape(2, 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1-d record array: shape=[2, 2]");
        }
        try (SharedArray plain = SharedArray.copyOf(ShmOptions.named(TestNames.unique("plain")), new double[] {1, 2})) {
            assertThatThrownBy(() -> SharedFrame.fromRecords(ShmOptions.defaults(), plain))
                    .isInstanceOf(DTypeMismatchException.class).hasMessageContaining("not a record array");
        }
    }

    @Test
    void shouldRefuseOutOfRangeDaysNamingFieldAndRow() throws IOException {
        RecordType t = type("d", DType.DATETIME64_D);
        Path file = npy(t, 2, b -> b.putLong(1).putLong(1L << 40));
        try (SharedArray rec = SharedArray.open(file)) {
            assertThatThrownBy(() -> SharedFrame.fromRecords(ShmOptions.defaults(), rec))
                    .isInstanceOf(UnsupportedArrowTypeException.class)
                    .hasMessageContaining("field=d, dtype=datetime64[D], row=1, value=1099511627776");
        }
    }

    @Test
    void shouldGiveWhatPandasFromRecordsGives() throws IOException {
        Path file = dir.resolve("rec.npy");
        Path nested = dir.resolve("nested.npy");
        Path sub = dir.resolve("sub.npy");
        Processes.python("""
                import sys, numpy as np
                n = 2000
                rng = np.random.default_rng(7)
                dates = np.datetime64('2020-01-01') + rng.integers(0, 3650, n).astype('m8[D]')
                ts = (np.datetime64('2024-01-01T00:00:00', 'ns') + rng.integers(0, 10**15, n).astype('m8[ns]'))
                ts[::7] = np.datetime64('NaT')
                dates[::11] = np.datetime64('NaT')
                x = rng.standard_normal(n); x[::5] = np.nan
                names = np.array(['AAPL', 'MSFT', 'é日本', '', 'x\\U0001F600'])[rng.integers(0, 5, n)]
                raw = np.array([b'ab', b'', b'a\\x00b', b'\\xff\\xfe', b'hello'], 'S5')[rng.integers(0, 5, n)]
                rec = np.rec.fromarrays([dates, ts, ts.astype('M8[ms]'), x, x.astype('f4'), x.astype('f2'),
                                         rng.integers(-2**63, 2**63 - 1, n, dtype=np.int64), rng.integers(0, 2**64 - 1, n, dtype=np.uint64),
                                         rng.integers(-128, 127, n, dtype=np.int8), rng.integers(0, 65535, n, dtype=np.uint16),
                                         rng.integers(0, 2, n).astype(bool), rng.integers(-10**6, 10**6, n).astype('m8[us]'),
                                         rng.integers(-100, 100, n).astype('m8[D]'), names, raw],
                                        names='date,ts,tms,x,x32,x16,i64,u64,i8,u16,flag,dt,days,name,raw')
                np.save(sys.argv[1], rec)
                np.save(sys.argv[2], np.zeros(3, [('p', [('a', 'i4'), ('b', 'f8')]), ('q', 'i8')]))
                np.save(sys.argv[3], np.zeros(3, [('v', 'f8', (3,)), ('q', 'i8')]))
                """, file.toString(), nested.toString(), sub.toString()).assertOk();
        try (SharedArray rec = SharedArray.open(file);
                SharedFrame f = SharedFrame.fromRecords(ShmOptions.named(TestNames.unique("fromrec")), rec)) {
            assertThat(f.rowCount()).isEqualTo(2000);
            Processes.python("""
                    import sys, numpy as np, pandas as pd, pyarrow as pa
                    npy, seg = sys.argv[1:]
                    exp = pd.DataFrame.from_records(np.load(npy))
                    t = pa.ipc.open_file(pa.memory_map(seg)).read_all()
                    types = {f.name: str(f.type) for f in t.schema}
                    assert types == {'date': 'date32[day]', 'ts': 'timestamp[ns]', 'tms': 'timestamp[ms]', 'x': 'double',
                                     'x32': 'float', 'x16': 'halffloat', 'i64': 'int64', 'u64': 'uint64', 'i8': 'int8',
                                     'u16': 'uint16', 'flag': 'bool', 'dt': 'duration[us]', 'days': 'duration[s]',
                                     'name': 'string', 'raw': 'binary'}, types
                    got = t.to_pandas()
                    assert list(got.columns) == list(exp.columns), (list(got.columns), list(exp.columns))
                    assert isinstance(got.index, pd.RangeIndex) and got.index.equals(exp.index)
                    for c in exp.columns:
                        e, g = exp[c], got[c]
                        if c == 'date':  # pandas turns datetime64[D] into datetime64[s]; Arrow's date32 comes back as dates
                            g = pd.to_datetime(g).astype(e.dtype)
                        pd.testing.assert_series_equal(g, e, check_dtype=True, obj=c)
                    print('ok', len(got))
                    """, file.toString(), f.path().toString()).assertOk();
        }
        assertThatThrownBy(() -> SharedArray.open(nested)).isInstanceOf(UnsupportedDTypeException.class)
                .hasMessageContaining("nested records are not supported: field=\"p\", dtype=\"[('a', '<i4'), ('b', '<f8')]\"");
        assertThatThrownBy(() -> SharedArray.open(sub)).isInstanceOf(UnsupportedDTypeException.class)
                .hasMessageContaining("subarray fields are not supported: field=\"v\", descr=\"<f8\", shape=[3]");
    }
}
