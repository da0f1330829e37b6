package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.frame.internal.Chunk;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.TestNames;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Column sums and counts run in calls over {@link Chunk#SCAN_BLOCK} rows: every row is counted
 * once across block boundaries, with and without nulls, from row slices that start inside a
 * validity byte and end inside a block. The values are integers, so every order of addition
 * gives the exact sum: a row missed or counted twice shows.
 */
class ColumnScanTest {
    private static final int ROWS = 3 * (int) Chunk.SCAN_BLOCK + 777;

    @Test
    void shouldCountEveryRowOnceAcrossScanBlocks() {
        Random r = new Random(5);
        double[] d = new double[ROWS];
        float[] f = new float[ROWS];
        long[] l = new long[ROWS];
        boolean[] b = new boolean[ROWS];
        for (int i = 0; i < ROWS; i++) {
            d[i] = r.nextInt(2_000_001) - 1_000_000;
            f[i] = r.nextInt(20_001) - 10_000;
            l[i] = r.nextLong();
            b[i] = r.nextBoolean();
        }
        d[4095] = Double.NaN;
        d[4096] = Double.NaN;
        d[ROWS - 1] = Double.NaN;
        f[8191] = Float.NaN;
        boolean[] randomNull = new boolean[ROWS];
        for (int i = 0; i < ROWS; i++) {
            randomNull[i] = r.nextBoolean();
        }
        // validity words of every kind: none valid, all valid, a few, most (each read its own way)
        java.util.function.LongPredicate sparse = i -> (i >= 100 && i < 110) || i == 9000;
        try (SharedFrame frame = SharedFrame.builder(ROWS)
                .addDoubles("d", d, null)
                .addDoubles("dn", d, i -> i % 7 == 3 || (i >= 4096 && i < 4160))
                .addDoubles("dr", d, i -> randomNull[(int) i])
                .addDoubles("ds", d, sparse)
                .addFloats("f", f, i -> i % 5 == 1)
                .addLongs("l", l, i -> i % 3 == 0)
                .addBooleans("b", b, i -> i % 11 == 2)
                .build(ShmOptions.named(TestNames.unique("scan")))) {
            for (int[] range : new int[][] {{0, ROWS}, {3, ROWS - 5}, {4093, 8195}, {5, 4101}, {64, 64 + 4096}}) {
                int from = range[0];
                int to = range[1];
                FrameView v = frame.slice(from, to);
                String at = "rows [" + from + ", " + to + ")";
                assertThat(v.doubles("d").nansum()).as(at).isEqualTo(nansum(d, from, to, -1, 0));
                assertThat(v.doubles("dn").nansum()).as(at).isEqualTo(nansum(d, from, to, 7, 3, 4096, 4160));
                assertThat(v.doubles("d").sum()).as(at).isNaN();
                double dr = 0;
                double ds = 0;
                for (int i = from; i < to; i++) {
                    dr += randomNull[i] || Double.isNaN(d[i]) ? 0 : d[i];
                    ds += sparse.test(i) || Double.isNaN(d[i]) ? 0 : d[i];
                }
                assertThat(v.doubles("dr").nansum()).as(at).isEqualTo(dr);
                assertThat(v.doubles("ds").nansum()).as(at).isEqualTo(ds);
                double fsum = 0;
                long lsum = 0;
                long trues = 0;
                for (int i = from; i < to; i++) {
                    fsum += i % 5 == 1 || Float.isNaN(f[i]) ? 0 : f[i];
                    lsum += i % 3 == 0 ? 0 : l[i];
                    trues += i % 11 != 2 && b[i] ? 1 : 0;
                }
                assertThat(v.doubles("f").nansum()).as(at).isEqualTo(fsum);
                assertThat(v.longs("l").sum()).as(at).isEqualTo(lsum);
                assertThat(v.bools("b").countTrue()).as(at).isEqualTo(trues);
                assertThat(v.doubles("dn").nullCount()).as(at).isEqualTo(nulls(from, to));
            }
        }
    }

    private static double nansum(double[] d, int from, int to, int every, int rest, int... nullRange) {
        double s = 0;
        for (int i = from; i < to; i++) {
            boolean isNull = every > 0 && (i % every == rest || (i >= nullRange[0] && i < nullRange[1]));
            s += isNull || Double.isNaN(d[i]) ? 0 : d[i];
        }
        return s;
    }

    private static long nulls(int from, int to) {
        long n = 0;
        for (int i = from; i < to; i++) {
            n += i % 7 == 3 || (i >= 4096 && i < 4160) ? 1 : 0;
        }
        return n;
    }
}
