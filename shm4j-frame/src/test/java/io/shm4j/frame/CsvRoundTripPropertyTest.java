package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;


import io.shm4j.testkit.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Export then read back gives the same frame: every type CSV can carry (float64, int64, bool,
 * naive and UTC timestamps, strings with separators, quotes, newlines and any Unicode), random
 * nulls, files large enough to span several parser chunks. NaN reads back as null (as in pandas
 * and pyarrow).
 */
class CsvRoundTripPropertyTest {
    private static final String ALPHABET = "ab,\"\n\r xyz0123456789.-éü日本😀\t;";

    @Property(tries = 15)
    void shouldReadBackWhatItExports(@ForAll @IntRange(min = 1, max = 4000) int rows, @ForAll long seed)
            throws Exception {
        Random rnd = new Random(seed);
        List<FrameModel.Col> cols = new ArrayList<>();
        cols.add(column("f", ColumnType.FLOAT64, null, rows, rnd));
        cols.add(column("i", ColumnType.INT64, null, rows, rnd));
        cols.add(column("b", ColumnType.BOOL, null, rows, rnd));
        cols.add(column("t", ColumnType.TIMESTAMP, null, rows, rnd));
        cols.add(column("tz", ColumnType.TIMESTAMP, "UTC", rows, rnd));
        cols.add(column("s", ColumnType.STRING, null, rows, rnd));
        FrameModel m = new FrameModel(rows, cols);
        Path csv = Files.createTempFile("shm4j-rt", ".csv");
        try {
            try (SharedFrame f = m.builder().build(io.shm4j.segment.ShmOptions.named(TestNames.unique("rt")))) {
                f.save(csv);
            }
            try (SharedFrame back = SharedFrame.copyOf(io.shm4j.segment.ShmOptions.named(TestNames.unique("rt")), csv)) {
                m.assertMatches(back.view(), false);
                assertThat(back.timestamps("tz").timeZone()).isEqualTo("UTC");
            }
        } finally {
            Files.deleteIfExists(csv);
        }
    }

    /** Random values and nulls; row 0 is never null, so the column's type shows. */
    private static FrameModel.Col column(String name, ColumnType type, String zone, int rows, Random rnd) {
        Object[] v = new Object[rows];
        double nullRate = rnd.nextInt(3) == 0 ? 0 : rnd.nextDouble() * 0.5;
        boolean midnights = rnd.nextInt(4) == 0;
        for (int r = 0; r < rows; r++) {
            if (r > 0 && rnd.nextDouble() < nullRate) {
                continue;
            }
            v[r] = switch (type) {
                case FLOAT64 -> switch (rnd.nextInt(4)) {
                    case 0 -> (double) Math.round(rnd.nextGaussian() * 1000) / 100;
                    case 1 -> rnd.nextGaussian() * Math.pow(10, rnd.nextInt(40) - 20);
                    case 2 -> Double.longBitsToDouble(rnd.nextLong() & 0x7FEF_FFFF_FFFF_FFFFL) * (rnd.nextBoolean() ? 1 : -1);
                    default -> (double) rnd.nextInt(100);
                };
                case INT64 -> rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(1000) - 500;
                case BOOL -> rnd.nextBoolean();
                case TIMESTAMP -> {
                    long day = 86_400_000_000_000L;
                    long t = rnd.nextLong(-3_000_000_000_000_000_000L, 7_000_000_000_000_000_000L);
                    yield midnights ? Math.floorDiv(t, day) * day : t;
                }
                case STRING -> {
                    StringBuilder b = new StringBuilder("s");
                    int n = rnd.nextInt(30);
                    for (int k = 0; k < n; k++) {
                        int cp = ALPHABET.codePointAt(ALPHABET.offsetByCodePoints(0,
                                rnd.nextInt(ALPHABET.codePointCount(0, ALPHABET.length()))));
                        b.appendCodePoint(cp);
                    }
                    yield b.toString();
                }
                default -> throw new AssertionError(type);
            };
        }
        return new FrameModel.Col(name, type, zone, v);
    }
}
