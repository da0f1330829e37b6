package io.shm4j.bench.workload.serve;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Embeddings#topKBatch} with the incubating Vector API: each 64-float row is loaded once
 * per query in {@code 64 / lanes} vectors and multiplied into an accumulator with fused
 * multiply-adds, then reduced across lanes (the JVM's widest vectors: 16 floats with AVX-512).
 * Loaded reflectively by {@link Embeddings} when the JVM has {@code jdk.incubator.vector} and its
 * vectors hold at least 4 floats; kept in its own source root, out of javadoc (which would warn
 * about the incubating module). Stateless and thread-safe.
 */
final class VectorTopK implements Embeddings.BatchKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    VectorTopK() {
        if (S.length() < 4 || Embeddings.DIM % S.length() != 0) {
            throw new UnsupportedOperationException("vectors too short: " + S);
        }
    }

    @Override
    public String name() {
        return "Vector API " + S.vectorBitSize() + "-bit";
    }

    @Override
    public int[][] topKBatch(MemorySegment data, long rows, float[][] qs, int k, float[][] scoresOut) {
        int n = qs.length;
        int[][] best = new int[n][k];
        float[] worst = new float[n];
        float[] q = new float[n * Embeddings.DIM];
        for (int b = 0; b < n; b++) {
            Arrays.fill(scoresOut[b], 0, k, Float.NEGATIVE_INFINITY);
            Arrays.fill(best[b], -1);
            worst[b] = Float.NEGATIVE_INFINITY;
            System.arraycopy(qs[b], 0, q, b * Embeddings.DIM, Embeddings.DIM);
        }
        for (long from = 0; from < rows; from += Embeddings.BLOCK_ROWS) {
            scoreBlock(data, from, Math.min(rows, from + Embeddings.BLOCK_ROWS), q, n, k, best, worst, scoresOut);
        }
        return best;
    }

    /** Rows {@code [from, to)} scored against every query: one call per block (see {@link Embeddings#BLOCK_ROWS}). */
    private static void scoreBlock(MemorySegment data, long from, long to, float[] q, int n, int k, int[][] best,
            float[] worst, float[][] scoresOut) {
        int lanes = S.length();
        int perRow = Embeddings.DIM / lanes;
        long rowBytes = (long) Embeddings.DIM * Float.BYTES;
        long off = from * rowBytes;
        for (long i = from; i < to; i++, off += rowBytes) {
            for (int b = 0; b < n; b++) {
                FloatVector acc = FloatVector.zero(S);
                for (int c = 0; c < perRow; c++) {
                    FloatVector r = FloatVector.fromMemorySegment(S, data, off + (long) c * lanes * Float.BYTES,
                            ByteOrder.LITTLE_ENDIAN);
                    acc = r.fma(FloatVector.fromArray(S, q, b * Embeddings.DIM + c * lanes), acc);
                }
                float s = acc.reduceLanes(VectorOperators.ADD);
                if (s > worst[b]) {
                    worst[b] = Embeddings.offer(scoresOut[b], best[b], k, s, (int) i);
                }
            }
        }
    }
}
