package io.shm4j.frame;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Java → pyarrow / pandas / polars → Java, over every column type with nulls, unicode and empty
 * strings, 0 rows included. Each try batches several frames into one Python process.
 */
class PythonRoundTripTest {
    /** Reads each frame with pyarrow, pandas and polars (no shm4j code) and writes it back three ways. */
    static final String SCRIPT = """
            import sys, json, pyarrow as pa, polars as pl, pandas as pd
            out_dir = sys.argv[1]
            for k, path in enumerate(sys.argv[2:]):
                t = pa.ipc.open_file(pa.memory_map(path)).read_all()
                for col in t.columns:
                    for chunk in col.chunks:
                        for buf in chunk.buffers():
                            assert buf is None or buf.address % 64 == 0, (path, col, 'unaligned buffer')
                df = t.to_pandas()
                assert isinstance(df.index, pd.RangeIndex), df.index
                assert list(df.columns) == t.column_names, (list(df.columns), t.column_names)
                p = pl.read_ipc(path, memory_map=True)
                assert p.height == t.num_rows and p.columns == t.column_names
                with pa.OSFile(f"{out_dir}/pa{k}.arrow", "wb") as s, pa.ipc.new_file(s, t.schema) as w:
                    for b in t.to_batches(max_chunksize=max(1, t.num_rows // 3)):
                        w.write_batch(b)
                back = pa.Table.from_pandas(df)
                with pa.OSFile(f"{out_dir}/pd{k}.arrow", "wb") as s, pa.ipc.new_file(s, back.schema) as w:
                    w.write_table(back)
                p.write_ipc(f"{out_dir}/pl{k}.arrow", compression="uncompressed", compat_level=pl.CompatLevel.oldest())
            print("ok")
            """;

    @Property(tries = 3)
    void shouldRoundTripEveryColumnTypeThroughPyarrowPandasAndPolars(
            @ForAll @Size(min = 1, max = 3) List<@IntRange(min = 0, max = 300) Integer> sizes,
            @ForAll long seed) throws Exception {
        Random rnd = new Random(seed);
        List<FrameModel> models = new ArrayList<>();
        List<SharedFrame> frames = new ArrayList<>();
        Path dir = Files.createTempDirectory("shm4j-frame-rt");
        try {
            List<String> args = new ArrayList<>(List.of(dir.toString()));
            for (int i = 0; i < sizes.size(); i++) {
                int rows = i == 0 ? 0 : sizes.get(i);
                FrameModel m = FrameModel.random(rnd, rows);
                models.add(m);
                SharedFrame f = m.builder().build(ShmOptions.named(TestNames.unique("rt")));
                frames.add(f);
                m.assertMatches(f.view(), false);
                args.add(f.path().toString());
            }
            Processes.Result r = Processes.python(SCRIPT, args.toArray(String[]::new));
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            for (int k = 0; k < models.size(); k++) {
                try (SharedFrame pa = SharedFrame.open(dir.resolve("pa" + k + ".arrow"));
                        SharedFrame pd = SharedFrame.open(dir.resolve("pd" + k + ".arrow"));
                        SharedFrame pl = SharedFrame.open(dir.resolve("pl" + k + ".arrow"))) {
                    models.get(k).assertMatches(pa.view(), false);
                    models.get(k).assertMatches(pd.view(), true);
                    models.get(k).assertMatches(pl.view(), true);
                }
            }
        } finally {
            frames.forEach(SharedFrame::close);
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
