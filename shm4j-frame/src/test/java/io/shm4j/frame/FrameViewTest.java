package io.shm4j.frame;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.segment.SegmentRef;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FrameViewTest {
    static SharedFrame sample() {
        return SharedFrame.builder(6)
                .addDoubles("x", new double[] {1, 2, 3, 4, 5, 6}, i -> i == 4)
                .addIntegers("n", ColumnType.INT16, i -> i * 10, null)
                .addStrings("s", new String[] {"a", "b", "c", "d", "e", "f"})
                .addStrings("key", new String[] {"k0", "k1", "k2", "k3", "k4", "k5"})
                .indexColumn("key")
                .build(ShmOptions.named(TestNames.unique("view")));
    }

    @Test
    void shouldSliceAndSelectWithoutCopying() {
        try (SharedFrame f = sample()) {
            FrameView v = f.slice(2, 5).select("s", "x");
            assertThat(v.columnNames()).containsExactly("s", "x");
            assertThat(v.rowCount()).isEqualTo(3);
            assertThat(v.strings("s").get(0)).isEqualTo("c");
            assertThat(v.doubles("x").isNull(2)).isTrue();
            assertThat(v.doubles("x").nansum()).isEqualTo(7.0);
            assertThat(v.index().format(0)).isEqualTo("k2");
            assertThat(v.doubles("x").get(0)).isEqualTo(3.0);
            // a view shares the mapping: the same bytes, not a copy
            assertThat(f.doubles("x").slice(2, 5).chunkCount()).isEqualTo(1);
        }
    }

    @Test
    void shouldSplitRowsIntoChunksForParallelWork() {
        try (SharedFrame f = sample()) {
            List<FrameView> parts = f.rowChunks(4);
            assertThat(parts).hasSize(4);
            assertThat(parts.stream().mapToLong(FrameView::rowCount).sum()).isEqualTo(6);
            double total = parts.parallelStream().mapToDouble(p -> p.doubles("x").nansum()).sum();
            assertThat(total).isEqualTo(f.doubles("x").nansum()).isEqualTo(16.0);
            assertThat(f.rowChunks(100)).hasSize(6);
        }
    }

    @Test
    void shouldRaiseTypedErrorsForWrongTypesAndNames() {
        try (SharedFrame f = sample()) {
            assertThatThrownBy(() -> f.doubles("s")).isInstanceOf(ColumnTypeException.class)
                    .hasMessageContaining("column=s").hasMessageContaining("strings()");
            assertThatThrownBy(() -> f.timestamps("x")).isInstanceOf(ColumnTypeException.class);
            assertThatThrownBy(() -> f.column("nope")).isInstanceOf(NoSuchColumnException.class)
                    .hasMessageContaining("[x, n, s]");
            assertThat(f.ints("n").get(3)).isEqualTo(30);
            assertThat(f.longs("n").sum()).isEqualTo(150);
            assertThatThrownBy(() -> f.doubles("x").get(6)).isInstanceOf(io.shm4j.OutOfBoundsException.class)
                    .hasMessageContaining("row=6");
        }
    }

    @Test
    void shouldPreviewTheFirstRowsAndDescribeTheSchema() {
        try (SharedFrame f = sample()) {
            String head = f.head(2);
            assertThat(head.lines().toList()).containsExactly(
                    "key    x   n  s",
                    " k0  1.0   0  a",
                    " k1  2.0  10  b",
                    "[6 rows x 3 columns]");
            assertThat(f.schemaDescription()).contains("x    double  nulls=1", "n    int16", "key  string  (index)",
                    "rows: 6, columns: 3");
        }
    }

    @Test
    void shouldHandleAFrameWithZeroRows() {
        try (SharedFrame f = SharedFrame.builder(0)
                .addDoubles("x", new double[0]).addStrings("s", new String[0]).addCategories("c", i -> null).build(ShmOptions.named(TestNames.unique("empty")))) {
            assertThat(f.rowCount()).isZero();
            assertThat(f.doubles("x").nansum()).isZero();
            assertThat(f.strings("c").categories()).isEmpty();
            assertThat(f.head(5)).contains("[0 rows x 3 columns]");
        }
    }

    @Test
    void shouldHoldAThousandByFiveThousandLabelledFrame() {
        int rows = 1000;
        int cols = 5000;
        FrameBuilder b = SharedFrame.builder(rows);
        for (int c = 0; c < cols; c++) {
            int cc = c;
            b.addDoubles("col" + c, i -> cc * 1000.0 + i, null);
        }
        b.addStrings("label", i -> "row" + i).indexColumn("label");
        try (SharedFrame f = b.build(ShmOptions.named(TestNames.unique("wide")))) {
            assertThat(f.columnCount()).isEqualTo(cols);
            assertThat(f.doubles("col4999").get(999)).isEqualTo(4_999_999.0);
            assertThat(f.index().format(7)).isEqualTo("row7");
            assertThat(f.head(3)).contains("...", "col4999");
            Processes.python("""
                    import sys, pyarrow as pa
                    df = pa.ipc.open_file(pa.memory_map(sys.argv[1])).read_all().to_pandas()
                    assert df.shape == (1000, 5000), df.shape
                    assert df.index[7] == "row7" and df.columns[4999] == "col4999"
                    assert df.loc["row999", "col4999"] == 4999999.0
                    """, f.path().toString()).assertOk();
        }
    }

    /** Attaches in a second JVM by name and by ref and prints the sum. */
    public static void main(String[] args) {
        try (SharedFrame byName = SharedFrame.attach(args[0]);
                SharedFrame byRef = SharedFrame.attach(new SegmentRef(args[0], io.shm4j.segment.SegmentKind.FRAME,
                        Long.parseLong(args[1]), Long.parseLong(args[2])))) {
            System.out.println(byName.doubles("x").nansum() + " " + byRef.strings("s").get(5));
        }
    }

    @Test
    void shouldAttachByNameAndByRefInAnotherJvm() {
        try (SharedFrame f = sample()) {
            SegmentRef ref = f.ref();
            Processes.Result r = Processes.java(FrameViewTest.class, ref.name(), Long.toString(ref.size()),
                    Long.toString(ref.generation())).assertOk();
            assertThat(r.stdout().trim()).isEqualTo("16.0 f");
        }
    }

    @Test
    void shouldCopyASelectionIntoANewFrame() {
        Random rnd = new Random(7);
        FrameModel m = FrameModel.random(rnd, 50);
        try (SharedFrame f = m.builder().build(ShmOptions.named(TestNames.unique("src")));
                SharedFrame copy = SharedFrame.copyOf(ShmOptions.named(TestNames.unique("copy")).withLifetime(io.shm4j.segment.Lifetime.SCOPED), f.slice(10, 40))) {
            FrameModel part = new FrameModel(30, m.columns().stream().map(c -> new FrameModel.Col(c.name(), c.type(),
                    c.zone(), java.util.Arrays.copyOfRange(c.values(), 10, 40))).toList());
            part.assertMatches(copy.view(), false);
            assertThat(copy.index().format(0)).isEqualTo("10");
        }
    }

    @Test
    void shouldRefuseAccessAfterClose() {
        SharedFrame f = sample();
        DoubleColumn x = f.doubles("x");
        f.close();
        f.close();
        assertThatThrownBy(f::view).isInstanceOf(io.shm4j.segment.SegmentClosedException.class);
        assertThatThrownBy(() -> x.get(0)).isInstanceOf(IllegalStateException.class);
        assertThat(IntStream.range(0, 1).count()).isOne();
    }
}
