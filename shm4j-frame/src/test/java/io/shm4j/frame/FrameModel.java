package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;

/**
 * The expected content of a frame, built on the heap: what tests write with the builder and
 * compare every view against, over every column type.
 */
record FrameModel(int rows, List<Col> columns) {
    /** A column: its type, zone (timestamps) and boxed values (null = null). */
    record Col(String name, ColumnType type, String zone, Object[] values) {}

    static final String[] WORDS = {"", "a", "hello", "ü", "日本語", "😀 emoji", "comma,quote\"", "x".repeat(40),
        "line\nbreak", "naïve café"};

    /** Every builder type once, random values and nulls. */
    static FrameModel random(Random rnd, int rows) {
        List<Col> cols = new ArrayList<>();
        for (ColumnType t : List.of(ColumnType.FLOAT64, ColumnType.FLOAT32, ColumnType.INT64, ColumnType.INT32,
                ColumnType.INT16, ColumnType.INT8, ColumnType.BOOL, ColumnType.TIMESTAMP, ColumnType.TIMESTAMP,
                ColumnType.STRING, ColumnType.CATEGORY)) {
            String zone = t == ColumnType.TIMESTAMP && cols.stream().anyMatch(c -> c.type == ColumnType.TIMESTAMP)
                    ? "Asia/Tokyo" : null;
            Object[] v = new Object[rows];
            double nullRate = rnd.nextInt(3) == 0 ? 0 : rnd.nextDouble() * 0.5;
            for (int i = 0; i < rows; i++) {
                if (rnd.nextDouble() < nullRate) {
                    continue;
                }
                v[i] = switch (t) {
                    case FLOAT64 -> rnd.nextInt(10) == 0 ? Double.NaN : rnd.nextGaussian() * 1e6;
                    case FLOAT32 -> (double) (float) rnd.nextGaussian();
                    case INT64 -> rnd.nextLong();
                    case INT32 -> (long) rnd.nextInt();
                    case INT16 -> (long) (short) rnd.nextInt();
                    case INT8 -> (long) (byte) rnd.nextInt();
                    case BOOL -> rnd.nextBoolean();
                    case TIMESTAMP -> rnd.nextLong(-2_000_000_000_000_000_000L, 4_000_000_000_000_000_000L);
                    case STRING -> WORDS[rnd.nextInt(WORDS.length)] + (rnd.nextBoolean() ? "" : rnd.nextInt(100));
                    case CATEGORY -> WORDS[rnd.nextInt(4) + 1];
                    default -> throw new AssertionError(t);
                };
            }
            String name = t.name().toLowerCase() + (zone == null ? "" : "_tz");
            cols.add(new Col(name, t, zone, v));
        }
        return new FrameModel(rows, cols);
    }

    FrameBuilder builder() {
        FrameBuilder b = SharedFrame.builder(rows);
        for (Col c : columns) {
            Object[] v = c.values;
            java.util.function.LongPredicate isNull = i -> v[(int) i] == null;
            switch (c.type) {
                case FLOAT64 -> b.addDoubles(c.name, i -> v[(int) i] == null ? 0 : (double) v[(int) i], isNull);
                case FLOAT32 -> {
                    float[] a = new float[rows];
                    for (int i = 0; i < rows; i++) {
                        a[i] = v[i] == null ? 0 : (float) (double) (Double) v[i];
                    }
                    b.addFloats(c.name, a, isNull);
                }
                case INT64, INT32, INT16, INT8 -> b.addIntegers(c.name, c.type, i -> v[(int) i] == null ? 0 : (long) v[(int) i], isNull);
                case BOOL -> b.addBooleans(c.name, i -> v[(int) i] != null && (boolean) v[(int) i], isNull);
                case TIMESTAMP -> b.addTimestamps(c.name, c.zone == null ? null : ZoneId.of(c.zone),
                        i -> v[(int) i] == null ? 0 : (long) v[(int) i], isNull);
                case STRING -> b.addStrings(c.name, i -> (String) v[(int) i]);
                case CATEGORY -> b.addCategories(c.name, i -> (String) v[(int) i]);
                default -> throw new AssertionError(c.type);
            }
        }
        return b;
    }

    /**
     * Asserts {@code view} holds this model. {@code viaPandas}: values went through pandas, so
     * types may have widened (ints with nulls to float64) and NaN may have become null.
     */
    void assertMatches(FrameView view, boolean viaPandas) {
        assertThat(view.rowCount()).isEqualTo(rows);
        assertThat(view.columnNames()).containsExactlyElementsOf(columns.stream().map(Col::name).toList());
        for (Col c : columns) {
            Column col = view.column(c.name);
            if (!viaPandas) {
                assertThat(col.type()).as(c.name).isEqualTo(c.type);
            }
            for (int i = 0; i < rows; i++) {
                Object want = c.values[i];
                Object got = normalize(col, i);
                if (viaPandas && want instanceof Double d && d.isNaN()) {
                    want = null;
                }
                if (viaPandas && got instanceof Double d && d.isNaN()) {
                    got = null;
                }
                if (want instanceof Long l && got instanceof Double) {
                    want = (double) l;
                }
                assertThat(got).as("column=%s row=%d", c.name, i).isEqualTo(want);
            }
            if (col instanceof StringColumn s && s.isCategory() && !viaPandas) {
                assertThat(new LinkedHashSet<>(s.categories())).containsAll(
                        java.util.Arrays.stream(c.values).filter(java.util.Objects::nonNull).map(String.class::cast).toList());
            }
        }
    }

    static Object normalize(Column col, long i) {
        if (col.isNull(i)) {
            return null;
        }
        return switch (col) {
            case DoubleColumn d -> d.get(i);
            case LongColumn l -> l.get(i);
            case IntColumn n -> (long) n.get(i);
            case BoolColumn b -> b.get(i);
            case TimestampColumn t -> t.epochNanos(i);
            case StringColumn s -> s.get(i);
            default -> col.getObject(i);
        };
    }
}
