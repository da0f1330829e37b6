package io.shm4j.cli;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;

/** The CLI's use of the array layer: the first rows of an array as text. */
final class Arrays {
    private Arrays() {}

    /** At most this many values of one row are shown. */
    private static final int VALUES_PER_ROW = 10;

    /**
     * The first {@code n} rows of {@code a}, one per line, NumPy style: a 1-d array shows one
     * value per line, a row of a 2-d or deeper array its first values, flattened.
     */
    static String head(SharedArray a, int n) {
        StringBuilder sb = new StringBuilder();
        sb.append(a.dtype().numpyName()).append(' ').append(java.util.Arrays.toString(a.shape())).append('\n');
        if (a.dtype() == DType.RECORD) { // one column per field, as the array layer prints records
            sb.setLength(0);
            sb.append("record ").append(java.util.Arrays.toString(a.shape())).append(' ')
                    .append(a.recordType().describe()).append('\n').append(a.head(n));
            long total = a.ndim() == 0 ? 1 : a.shape()[0];
            if (total > n) {
                sb.append("... ").append(total - n).append(" more rows\n");
            }
            return sb.toString();
        }
        if (a.ndim() == 0) {
            return sb.append(format(a, new long[0])).append('\n').toString();
        }
        long rows = Math.min(n, a.shape()[0]);
        long perRow = 1;
        for (int d = 1; d < a.ndim(); d++) {
            perRow *= a.shape()[d];
        }
        for (long r = 0; r < rows; r++) {
            sb.append(String.format("%-6s", r));
            long shown = Math.min(perRow, VALUES_PER_ROW);
            for (long k = 0; k < shown; k++) {
                sb.append(k == 0 ? "" : " ").append(format(a, index(a, r, k)));
            }
            if (perRow > shown) {
                sb.append(" ... (").append(perRow - shown).append(" more)");
            }
            sb.append('\n');
        }
        if (a.shape()[0] > rows) {
            sb.append("... ").append(a.shape()[0] - rows).append(" more rows\n");
        }
        return sb.toString();
    }

    /** The index of the k-th value (row-major) of row r. */
    private static long[] index(SharedArray a, long r, long k) {
        long[] idx = new long[a.ndim()];
        idx[0] = r;
        for (int d = a.ndim() - 1; d >= 1; d--) {
            idx[d] = k % a.shape()[d];
            k /= a.shape()[d];
        }
        return idx;
    }

    /** One value as NumPy prints it ({@code 2.5}, {@code 2024-01-31T00:00:00}, {@code (1+2j)}, {@code NaT}). */
    private static String format(SharedArray a, long[] idx) {
        return a.format(idx);
    }
}
