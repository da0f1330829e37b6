package io.shm4j.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.frame.SharedFrame;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** The workloads' data and exact answers (what every strategy is checked against). */
class WorkloadsTest {
    @Property(tries = 60)
    void shouldKnowTheExactSumOfWorkloadA(@ForAll @IntRange(min = 1, max = 5000) int n) {
        double[] a = new double[n];
        ArraySum.fill(a);
        double s = 0;
        for (int i = 0; i < n; i++) {
            assertThat(a[i]).isEqualTo((i % 1024) * 0.5);
            s += a[i];
        }
        assertThat(ArraySum.expected(n)).isEqualTo(s);
        assertThat(ArraySum.sum(a, 0, n)).isEqualTo(s);
    }

    @Property(tries = 60)
    void shouldSplitIntoContiguousSpansCoveringEverything(@ForAll @LongRange(min = 0, max = 100_000) long n,
            @ForAll @IntRange(min = 1, max = 64) int parts) {
        List<long[]> spans = ArraySum.spans(n, parts);
        long next = 0;
        for (long[] s : spans) {
            assertThat(s[0]).isEqualTo(next);
            assertThat(s[1] - s[0]).isBetween(n / parts, n / parts + 1);
            next = s[1];
        }
        assertThat(next).isEqualTo(n);
        assertThat(spans).hasSize((int) Math.min(n, parts));
    }

    @Test
    void shouldSizeWorkloadsAsBenchPy() {
        assertThat(ArraySum.elements(1)).isEqualTo(187_500_000L);
        assertThat(ArraySum.elements(0.2)).isEqualTo(37_500_000L);
        assertThat(RowOuter.cols(1)).isEqualTo(5000);
        assertThat(RowOuter.cols(0.2)).isEqualTo(1000);
        assertThat(RowOuter.cols(1e-9)).isEqualTo(1);
        assertThat(Records.records(1)).isEqualTo(10_000_000L);
        assertThat(Records.records(1e-9)).isEqualTo(16);
    }

    @Test
    void shouldBuildTheRecordsOfBenchPyWithTheirExactNansum() {
        long n = 12_345;
        try (SharedFrame f = Records.build(n)) {
            assertThat(f.columnNames()).containsExactly("date", "value", "name");
            assertThat(f.doubles("value").nansum()).isEqualTo(Records.expected(n));
            assertThat(f.doubles("value").get(0)).isNaN();
            assertThat(f.doubles("value").get(1001)).isEqualTo(0.25);
            assertThat(f.strings("name").get(1042)).isEqualTo("r042");
            assertThat(f.timestamps("date").raw(3651)).isEqualTo(Records.T0 + Records.DAY);
            Records.RecordArrays copy = Records.RecordArrays.of(f);
            assertThat(Records.nansumCopy(copy)).isEqualTo(Records.expected(n));
            assertThat(new String(copy.nameBytes(), copy.nameOffsets()[7], 4, java.nio.charset.StandardCharsets.UTF_8))
                    .isEqualTo("r007");
        }
    }

    @Test
    void shouldComputeTheSameRowTaskIntoHeapAndSharedMemory() {
        int cols = 7;
        double[] row = {1, 2, 3, 4, 5, 6, 7};
        double[] heap = new double[RowOuter.ROWS * cols];
        RowOuter.compute(3, row, 0, cols, heap);
        java.lang.foreign.MemorySegment seg = java.lang.foreign.MemorySegment.ofArray(new double[RowOuter.ROWS * cols
                + 5]);
        RowOuter.compute(3, row, 0, cols, seg, 5 * Double.BYTES);
        double[] back = seg.asSlice(5 * Double.BYTES).toArray(java.lang.foreign.ValueLayout.JAVA_DOUBLE);
        assertThat(back).containsExactly(heap);
        double[] means = RowOuter.rowMeans(3, cols);
        assertThat(heap[2 * cols + 4]).isEqualTo(means[2] * row[4]);
        assertThat(means[0]).isBetween(0.0, 1.0).isNotEqualTo(RowOuter.rowMeans(4, cols)[0]);
        RowOuter.Checker checker = new RowOuter.Checker(frame(cols), cols);
        assertThat(checker.check((k, i) -> 0.0)).startsWith("wrong tasks");
    }

    private static double[] frame(int cols) {
        double[] f = new double[RowOuter.ROWS * cols];
        java.util.Arrays.fill(f, 1.0);
        return f;
    }
}
