package io.shm4j.array;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** sum, nansum, min, max, mean — whole and along axes — against NumPy on the same segments. */
class ReductionsVsNumpyTest {
    private static final String[] OPS = {"sum", "nansum", "min", "max", "mean"};

    @Test
    void shouldMatchNumpyOnSpecialValuesEmptyAndLargeArrays() {
        Random r = new Random(42);
        double nan = Double.NaN;
        double inf = Double.POSITIVE_INFINITY;
        List<double[]> vectors = new ArrayList<>(List.of(
                new double[0], new double[] {-0.0}, new double[] {-0.0, -0.0, -0.0}, new double[] {0.0, -0.0},
                new double[] {nan}, new double[] {1, nan, 2}, new double[] {inf, 1}, new double[] {-inf, 1},
                new double[] {inf, -inf}, new double[] {nan, inf}, new double[] {-0.0, nan},
                new double[] {1e308, 1e308}, new double[] {3, 1, 2, 5, 4, -1, 7, 0, 9}));
        for (int n : new int[] {7, 8, 9, 2047, 2048, 2049, 10_000, 100_003}) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = r.nextGaussian() * 100;
            }
            vectors.add(v);
            double[] w = v.clone();
            w[r.nextInt(n)] = nan;
            w[r.nextInt(n)] = nan;
            vectors.add(w);
        }
        Map<String, SharedArray> arrays = new HashMap<>();
        List<String> args = new ArrayList<>();
        try {
            for (double[] v : vectors) {
                SharedArray a = SharedArray.copyOf(ShmOptions.named(TestNames.unique("red")), v);
                arrays.put(a.name(), a);
                args.add(a.name());
            }
            // 2-d: C and via F-order transposed data, with NaN, and empty along each axis
            double[] m = new double[300 * 7];
            for (int i = 0; i < m.length; i++) {
                m[i] = i % 97 == 0 ? nan : r.nextGaussian();
            }
            for (long[] shape : new long[][] {{300, 7}, {7, 300}, {0, 3}, {3, 0}}) {
                int n = (int) (shape[0] * shape[1]);
                SharedArray a = SharedArray.copyOf(ShmOptions.named(TestNames.unique("red2")), DType.FLOAT64,
                        shape, java.util.Arrays.copyOf(m, n));
                arrays.put(a.name(), a);
                args.add(a.name());
            }
            // integer and float32 types go through the generic loops
            for (DType t : new DType[] {DType.INT32, DType.UINT8, DType.FLOAT32, DType.INT64, DType.BOOL}) {
                SharedArray a = SharedArray.fromLongFunction(ShmOptions.named(TestNames.unique("redi")), t,
                        new long[] {50, 9}, i -> i[0] * 7 - i[1] * 13);
                arrays.put(a.name(), a);
                args.add(a.name());
            }
            String out = Processes.python("""
                    import sys, numpy as np, shm4j, warnings
                    warnings.simplefilter('ignore')
                    def fmt(x):
                        return 'ValueError' if x is None else float(x).hex()
                    def run(f):
                        try:
                            return fmt(f())
                        except ValueError:
                            return 'ValueError'
                    for name in sys.argv[1:]:
                        a = shm4j.attach(name)
                        for op in ('sum', 'nansum', 'min', 'max', 'mean'):
                            f = getattr(np, op)
                            print(name, op, 'all', run(lambda: f(a)))
                            if a.ndim == 2:
                                for ax in (0, 1):
                                    try:
                                        r = f(a, axis=ax)
                                        print(name, op, ax, ','.join(fmt(x) for x in r) or '-')
                                    except ValueError:
                                        print(name, op, ax, 'ValueError')
                    """, args.toArray(String[]::new)).assertOk().stdout();
            int checked = 0;
            for (String line : out.strip().split("\n")) {
                String[] p = line.split(" ");
                SharedArray a = arrays.get(p[0]);
                String op = p[1];
                if (p[2].equals("all")) {
                    check(a, op, p[3], () -> new double[] {whole(a, op)});
                } else {
                    int axis = Integer.parseInt(p[2]);
                    check(a, op, p[3], () -> axis(a, op, axis));
                }
                checked++;
            }
            assertThat(checked).isEqualTo(arrays.size() * OPS.length + 9 * OPS.length * 2);
        } finally {
            arrays.values().forEach(SharedArray::close);
        }
    }

    private static double whole(SharedArray a, String op) {
        return switch (op) {
            case "sum" -> a.sum();
            case "nansum" -> a.nansum();
            case "min" -> a.min();
            case "max" -> a.max();
            default -> a.mean();
        };
    }

    private static double[] axis(SharedArray a, String op, int axis) {
        return switch (op) {
            case "sum" -> a.sum(axis);
            case "nansum" -> a.nansum(axis);
            case "min" -> a.min(axis);
            case "max" -> a.max(axis);
            default -> a.mean(axis);
        };
    }

    private static void check(SharedArray a, String op, String expected, java.util.function.Supplier<double[]> actual) {
        String what = op + " of " + a;
        if (expected.equals("ValueError")) {
            assertThatThrownBy(actual::get).as(what).isInstanceOf(EmptyReductionException.class)
                    .hasMessageContaining("no identity");
            return;
        }
        double[] got = actual.get();
        String[] exp = expected.equals("-") ? new String[0] : expected.split(",");
        assertThat(got).as(what).hasSize(exp.length);
        for (int i = 0; i < exp.length; i++) {
            double e = parse(exp[i]);
            double g = got[i];
            if (Double.isNaN(e) || Double.isInfinite(e)) {
                assertThat(Double.compare(g, e)).as(what + " [" + i + "]: " + g + " vs " + e).isZero();
            } else if (op.equals("min") || op.equals("max")) {
                assertThat(g == e).as(what + " [" + i + "]: " + g + " vs " + e).isTrue(); // -0.0 == 0.0, as in NumPy
            } else if (e == 0.0) {
                // sums: the sign of zero must match NumPy (sum of -0.0 values is +0.0)
                assertThat(Double.doubleToRawLongBits(g)).as(what + " [" + i + "]: " + g + " vs " + e)
                        .isEqualTo(Double.doubleToRawLongBits(e));
            } else {
                double tol = a.dtype() == DType.FLOAT32 ? 1e-5 : 1e-12;
                assertThat(Math.abs(g - e) <= tol * Math.max(1, Math.abs(e)) * Math.sqrt(a.size()))
                        .as(what + " [" + i + "]: " + g + " vs " + e).isTrue();
            }
        }
    }

    private static double parse(String hex) {
        return switch (hex) {
            case "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(hex);
        };
    }

    @Test
    void shouldSumIntegersExactlyAsLong() {
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new long[] {Long.MAX_VALUE, 1, -5})) {
            assertThat(a.sumLong()).isEqualTo(Long.MIN_VALUE - 5); // wraps like NumPy's int64
            assertThat(a.minLong()).isEqualTo(-5);
            assertThat(a.maxLong()).isEqualTo(Long.MAX_VALUE);
        }
    }

    @Test
    void shouldRejectSummingDatetimesLikeNumpy() {
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), DType.DATETIME64_NS, new long[] {2},
                new long[] {5, 3})) {
            assertThatThrownBy(a::sum).isInstanceOf(DTypeMismatchException.class).hasMessageContaining("datetime64");
            assertThat(a.minLong()).isEqualTo(3);
            assertThat(a.min()).isEqualTo(3.0);
        }
    }

    @Test
    void shouldRejectAxisReductionsOnOtherThan2dArrays() {
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), new double[3])) {
            assertThatThrownBy(() -> a.sum(0)).isInstanceOf(ShapeException.class).hasMessageContaining("2-d");
            assertThatThrownBy(() -> a.reshape(3, 1).sum(2)).isInstanceOf(ShapeException.class);
        }
    }
}
