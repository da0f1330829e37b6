package io.shm4j.frame;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.testkit.LeakCheck;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Frames pandas, pyarrow and polars wrote, attached from Java; the files are made by one Python process. */
class ForeignFramesTest {
    @TempDir
    static Path dir;

    static final String SCRIPT = """
            import sys, os, numpy as np, pandas as pd, pyarrow as pa, pyarrow.feather as feather
            d = sys.argv[1]
            df = pd.DataFrame({
                "f": [1.5, np.nan, 3.0], "i": np.array([1, 2, 3], dtype=np.int16), "b": [True, False, True],
                "s": ["a", None, "日本"], "t": pd.to_datetime(["2020-01-01", None, "2021-06-30 12:00"], format="ISO8601"),
                "tz": pd.to_datetime(["2020-01-01", "2020-07-01", None]).tz_localize("Europe/Paris"),
                "c": pd.Categorical(["x", "y", None]), "u": np.array([1, 2, 255], dtype=np.uint8)},
                index=pd.Index([10, 20, 30], name="key"))
            df.to_feather(d + "/plain.feather", compression="uncompressed")
            df.reset_index().to_feather(d + "/lz4.feather", compression="lz4")
            t = pa.Table.from_pandas(df)
            with pa.OSFile(d + "/batches.arrow", "wb") as s, pa.ipc.new_file(s, t.schema) as w:
                for b in t.to_batches(max_chunksize=1):
                    w.write_batch(b)
            r = pd.DataFrame({"v": [1.0, 2.0]}, index=pd.RangeIndex(5, 9, 2, name="r"))
            feather.write_feather(r, d + "/range.feather", compression="uncompressed")
            dec = pa.table({"d": pa.array([1, 2], type=pa.decimal256(40, 2)), "ok": [1, 2]})
            feather.write_feather(dec, d + "/decimal.feather", compression="uncompressed")
            lst = pa.table({"l": pa.array([[[1]], [[2, 3]]])})
            feather.write_feather(lst, d + "/list.feather", compression="uncompressed")
            with pa.OSFile(d + "/stream.arrows", "wb") as s, pa.ipc.new_stream(s, r.pipe(pa.Table.from_pandas).schema) as w:
                pass
            print("ok")
            """;

    @BeforeAll
    static void writeFiles() {
        Processes.python(SCRIPT, dir.toString()).assertOk();
    }

    static void assertPandasFrame(FrameView v) {
        assertThat(v.rowCount()).isEqualTo(3);
        assertThat(v.columnNames()).containsExactly("f", "i", "b", "s", "t", "tz", "c", "u");
        assertThat(v.index().isRange()).isFalse();
        assertThat(v.index().name()).isEqualTo("key");
        assertThat(v.index().format(2)).isEqualTo("30");
        assertThat(v.doubles("f").get(0)).isEqualTo(1.5);
        assertThat(v.doubles("f").isNull(1)).isTrue();
        assertThat(v.ints("i").get(2)).isEqualTo(3);
        assertThat(v.longs("u").get(2)).isEqualTo(255);
        assertThat(v.bools("b").get(1)).isFalse();
        assertThat(v.strings("s").get(2)).isEqualTo("日本");
        assertThat(v.strings("s").get(1)).isNull();
        TimestampColumn t = v.timestamps("t");
        assertThat(t.localDateTime(2)).isEqualTo(LocalDateTime.of(2021, 6, 30, 12, 0));
        assertThat(t.isNull(1)).isTrue();
        assertThat(v.timestamps("tz").timeZone()).isEqualTo("Europe/Paris");
        assertThat(v.timestamps("tz").localDateTime(1)).isEqualTo(LocalDateTime.of(2020, 7, 1, 0, 0));
        StringColumn c = v.strings("c");
        assertThat(c.isCategory()).isTrue();
        assertThat(c.categories()).containsExactly("x", "y");
        assertThat(c.get(1)).isEqualTo("y");
        assertThat(c.get(2)).isNull();
    }

    @Test
    void shouldReadAFeatherFilePandasWrote() {
        try (SharedFrame f = SharedFrame.open(dir.resolve("plain.feather"))) {
            assertPandasFrame(f.view());
            assertThat(f.timestamps("t").unit()).isIn(TimeUnit.MICROSECONDS, TimeUnit.NANOSECONDS);
        }
    }

    @Test
    void shouldReadAFileOfManyRecordBatches() {
        try (SharedFrame f = SharedFrame.open(dir.resolve("batches.arrow"))) {
            assertThat(f.doubles("f").chunkCount()).isEqualTo(3);
            assertPandasFrame(f.view());
            assertThat(f.slice(1, 3).strings("s").get(1)).isEqualTo("日本");
        }
    }

    @Test
    void shouldAttachAFrameAPythonProcessWroteIntoTheShmDirectory() throws Exception {
        String name = TestNames.unique("pyframe");
        Path target = LeakCheck.shmDirectory().resolve(name);
        Processes.python("import sys, shutil; shutil.copyfile(sys.argv[1], sys.argv[2])",
                dir.resolve("plain.feather").toString(), target.toString()).assertOk();
        try (SharedFrame f = SharedFrame.attach(name)) {
            assertThat(f.segment().kind()).isEqualTo(io.shm4j.segment.SegmentKind.FOREIGN);
            assertPandasFrame(f.view());
        } finally {
            Files.deleteIfExists(target);
        }
    }

    @Test
    void shouldPutAForeignFileIntoSharedMemoryAsOneAlignedBatch() {
        try (SharedFrame f = SharedFrame.copyOf(ShmOptions.named(TestNames.unique("put")).withLifetime(io.shm4j.segment.Lifetime.SCOPED), dir.resolve("batches.arrow"))) {
            assertThat(f.segment().kind()).isEqualTo(io.shm4j.segment.SegmentKind.FRAME);
            assertThat(f.doubles("f").chunkCount()).isEqualTo(1);
            assertPandasFrame(f.view());
        }
    }

    @Test
    void shouldRestoreANamedRangeIndex() {
        try (SharedFrame f = SharedFrame.open(dir.resolve("range.feather"))) {
            FrameIndex idx = f.index();
            assertThat(idx.isRange()).isTrue();
            assertThat(idx.name()).isEqualTo("r");
            assertThat(idx.format(1)).isEqualTo("7");
            assertThat(f.slice(1, 2).index().format(0)).isEqualTo("7");
        }
    }

    @Test
    void shouldRefuseCompressedFilesWithATypedError() {
        assertThatThrownBy(() -> SharedFrame.open(dir.resolve("lz4.feather")))
                .isInstanceOf(CompressedFrameException.class).hasMessageContaining("LZ4_FRAME")
                .hasMessageContaining("uncompressed");
    }

    @Test
    void shouldNameAnUnsupportedArrowType() {
        assertThatThrownBy(() -> SharedFrame.open(dir.resolve("decimal.feather")))
                .isInstanceOf(UnsupportedArrowTypeException.class).hasMessageContaining("type=decimal256(40, 2)")
                .hasMessageContaining("column=d");
        assertThatThrownBy(() -> SharedFrame.open(dir.resolve("list.feather")))
                .isInstanceOf(UnsupportedArrowTypeException.class).hasMessageContaining("type=List<list<item: int64>>")
                .hasMessageContaining("column=l");
    }

    @Test
    void shouldExplainThatAStreamIsNotAFile() {
        assertThatThrownBy(() -> SharedFrame.open(dir.resolve("stream.arrows")))
                .isInstanceOf(FrameFormatException.class).hasMessageContaining("stream");
    }
}
