package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.Lifetime;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/**
 * Frames Python's {@code shm4j.share} created from pandas, read from Java; and frames Java
 * built, read by Python's {@code shm4j.attach} as pyarrow (zero copy), pandas and polars.
 */
class PythonSharedFramesTest {
    @Test
    void shouldReadAFramePythonSharedFromPandas() {
        String name = TestNames.unique("py-frame");
        Processes.python("""
                import sys, numpy as np, pandas as pd, shm4j
                df = pd.DataFrame({
                    "id": pd.array([2**53 + 1, None, -5], dtype="Int64"),
                    "ok": pd.array([True, None, False], dtype="boolean"),
                    "s": pd.array(["a", None, "日本"], dtype="string[pyarrow]"),
                    "c": pd.Categorical(["u", "v", "u"]),
                    "t": pd.to_datetime(["2024-01-01 12:00", None, "2024-07-01 00:00"]).tz_localize("Europe/Paris"),
                    "x": [1.5, np.nan, 3.0]},
                    index=pd.Index([10, 20, 30], name="key"))
                shm4j.share(df, name=sys.argv[1], persistent=True)
                """, name).assertOk();
        ShmDirectory dir = ShmDirectory.current();
        try (SharedFrame f = SharedFrame.attach(name)) {
            assertThat(dir.info(name).kind()).isEqualTo(SegmentKind.FRAME);
            assertThat(dir.info(name).lifetime()).isEqualTo(Lifetime.PERSISTENT);
            assertThat(f.columnNames()).containsExactly("id", "ok", "s", "c", "t", "x");
            assertThat(f.index().name()).isEqualTo("key");
            assertThat(f.index().format(2)).isEqualTo("30");
            assertThat(f.longs("id").get(0)).isEqualTo((1L << 53) + 1);
            assertThat(f.longs("id").isNull(1)).isTrue();
            assertThat(f.bools("ok").get(0)).isTrue();
            assertThat(f.bools("ok").isNull(1)).isTrue();
            assertThat(f.strings("s").get(2)).isEqualTo("日本");
            assertThat(f.strings("s").isNull(1)).isTrue();
            assertThat(f.strings("c").isCategory()).isTrue();
            assertThat(f.strings("c").get(1)).isEqualTo("v");
            assertThat(f.timestamps("t").timeZone()).isEqualTo("Europe/Paris");
            assertThat(f.timestamps("t").instant(0)).isEqualTo(Instant.parse("2024-01-01T11:00:00Z"));
            assertThat(f.timestamps("t").isNull(1)).isTrue();
            assertThat(f.doubles("x").get(2)).isEqualTo(3.0);
        } finally {
            dir.remove(name);
        }
    }

    static final String RICH = """
            import numpy as np, pandas as pd
            def rich():
                return pd.DataFrame({
                    "id": pd.array([2**53 + 1, None, -5], dtype="Int64"),
                    "ok": pd.array([True, None, False], dtype="boolean"),
                    "s": pd.array(["a", None, "日本"], dtype="string[pyarrow]"),
                    "o": ["x", "y", None],
                    "c": pd.Categorical(["u", "v", "u"]),
                    "t": pd.to_datetime(["2024-01-01 12:00", None, "2024-07-01 00:00"]).tz_localize("Europe/Paris"),
                    "x": [1.5, np.nan, 3.0]},
                    index=pd.Index([10, 20, 30], name="id"))
            """;

    @Test
    void shouldGiveBackToPandasTheSameDtypesAndIndexAfterJavaCopiesAPythonFrame() {
        String name = TestNames.unique("py-rich");
        String copy = TestNames.unique("java-copy");
        String put = TestNames.unique("java-put");
        Processes.python(RICH + "import sys, shm4j\nshm4j.share(rich(), name=sys.argv[1], persistent=True)\n", name)
                .assertOk();
        ShmDirectory dir = ShmDirectory.current();
        try (SharedFrame f = SharedFrame.attach(name);
                SharedFrame c = SharedFrame.copyOf(ShmOptions.named(copy).persistent(), f.view());
                SharedFrame p = SharedFrame.copyOf(ShmOptions.named(put).persistent(), f.path())) {
            Processes.python(RICH + """
                    import sys, shm4j, pandas as pd
                    for name in sys.argv[1:]:
                        back = shm4j.attach(name, as_="pandas")
                        pd.testing.assert_frame_equal(back, rich())
                        assert back["id"].iloc[0] == 2**53 + 1
                    """, copy, put).assertOk();
        } finally {
            for (String n : new String[] {name, copy, put}) {
                dir.find(n).ifPresent(i -> dir.remove(n));
            }
        }
    }

    @Test
    void shouldLetPythonAttachAJavaFrameAsArrowPandasAndPolars() {
        String name = TestNames.unique("java-frame");
        try (SharedFrame f = SharedFrame.builder(3)
                .addLongs("n", new long[] {1, 2, 3}, i -> i == 1)
                .addStrings("s", new String[] {"a", "b", null})
                .addTimestamps("t", ZoneId.of("UTC"), new long[] {0, 1_000_000_000L, 2_000_000_000L}, i -> false)
                .addCategories("c", java.util.List.of("x", "y"), new int[] {0, 1, -1})
                .build(ShmOptions.named(name))) {
            Processes.python("""
                    import sys, shm4j, pyarrow as pa
                    before = pa.total_allocated_bytes()
                    t = shm4j.attach(sys.argv[1])
                    assert pa.total_allocated_bytes() == before, 'attach copied'
                    assert t.column('n').to_pylist() == [1, None, 3]
                    df = shm4j.attach(sys.argv[1], as_='pandas')
                    assert list(df.columns) == ['n', 's', 't', 'c'], df.columns
                    assert str(df['c'].dtype) == 'category' and str(df['t'].dtype).endswith('UTC]'), df.dtypes
                    pl = shm4j.attach(sys.argv[1], as_='polars')
                    assert pl['s'].to_list() == ['a', 'b', None]
                    i = shm4j.info(sys.argv[1])
                    assert i.kind == 'frame' and i.lifetime == 'scoped' and i.owner_alive
                    """, name).assertOk();
        }
    }
}
