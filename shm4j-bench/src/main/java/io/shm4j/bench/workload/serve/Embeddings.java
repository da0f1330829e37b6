package io.shm4j.bench.workload.serve;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Workload E's data and its exact answers: version {@code v} of the embedding matrix is
 * {@code rows × 64} float32 whose element {@code (i, j)} is a pure function of {@code (v, i, j)}
 * (a SplitMix64 hash mapped to [-1, 1)), so a checker recomputes any row of any version without
 * holding the matrix; queries are 64 floats of the same kind from a query id. Every version
 * differs from the previous one in every element, so an answer mixing two versions, or claiming
 * the wrong one, does not match the rows it names.
 *
 * <p>Stateless and thread-safe.
 */
public final class Embeddings {
    /** Columns of the matrix. */
    public static final int DIM = 64;
    /** Rows at size factor 1 (1 M × 64 float32 = 256 MB). */
    public static final long ROWS_AT_1 = 1_000_000L;
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Embeddings() {}

    /** Rows at a size factor (at least 64). */
    public static long rows(double factor) {
        return Math.max(64, Math.round(ROWS_AT_1 * factor));
    }

    /** Element {@code (row, col)} of version {@code version}. */
    public static float value(long version, long row, int col) {
        return unit(mix(version * 0x9E3779B97F4A7C15L ^ (row * DIM + col)));
    }

    /** The query vector of a query id (independent of versions). */
    public static float[] query(long id) {
        float[] q = new float[DIM];
        for (int j = 0; j < DIM; j++) {
            q[j] = unit(mix(0x5DEECE66DL + id * DIM + j ^ 0xC2B2AE3D27D4EB4FL));
        }
        return q;
    }

    private static float unit(long h) {
        return (float) ((h >>> 40) * 0x1.0p-24 * 2 - 1); // 24 random bits: exact in float32
    }

    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fills {@code rows × 64} floats of version {@code version} at {@code data} (little-endian). */
    public static void fill(MemorySegment data, long version, long rows) {
        long off = 0;
        for (long i = 0; i < rows; i++) {
            for (int j = 0; j < DIM; j++) {
                data.set(FLOAT, off, value(version, i, j));
                off += Float.BYTES;
            }
        }
    }

    /** The dot product of row {@code row} of version {@code version} with {@code q}, recomputed. */
    public static double score(long version, long row, float[] q) {
        float s = 0;
        for (int j = 0; j < DIM; j++) {
            s += value(version, row, j) * q[j];
        }
        return s;
    }

    /**
     * The top {@code k} rows by dot product with {@code q} over {@code rows × 64} little-endian
     * floats at {@code data}: indices best first, scores in {@code scoresOut}. The kernel every
     * Java worker runs, over a shared mapping or a heap copy alike.
     */
    public static int[] topK(MemorySegment data, long rows, float[] q, int k, float[] scoresOut) {
        int[] best = new int[k];
        float[] bs = scoresOut;
        Arrays.fill(bs, Float.NEGATIVE_INFINITY);
        Arrays.fill(best, -1);
        float worst = Float.NEGATIVE_INFINITY;
        for (long from = 0; from < rows; from += BLOCK_ROWS) {
            worst = topKBlock(data, from, Math.min(rows, from + BLOCK_ROWS), q, k, bs, best, worst);
        }
        return best;
    }

    /** {@link #topK} over rows {@code [from, to)}: returns the new worst score kept ({@link #BLOCK_ROWS} says why blocks). */
    private static float topKBlock(MemorySegment data, long from, long to, float[] q, int k, float[] bs, int[] best,
            float worst) {
        long off = from * DIM * Float.BYTES;
        for (long i = from; i < to; i++, off += DIM * Float.BYTES) {
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            for (int j = 0; j < DIM; j += 4) {
                long o = off + (long) j * Float.BYTES;
                s0 += data.get(FLOAT, o) * q[j];
                s1 += data.get(FLOAT, o + 4) * q[j + 1];
                s2 += data.get(FLOAT, o + 8) * q[j + 2];
                s3 += data.get(FLOAT, o + 12) * q[j + 3];
            }
            float s = (s0 + s1) + (s2 + s3);
            if (s > worst) {
                worst = offer(bs, best, k, s, (int) i);
            }
        }
        return worst;
    }

    /**
     * The top {@code k} rows of each query of a batch in one pass over the matrix: each row is
     * read from memory once and scored against every query ({@code qs.length} dot products) while
     * it is in L1, so a batch of {@code b} queries costs one scan's memory traffic instead of
     * {@code b}. The scalar kernel computes row {@code i}'s score exactly as {@link #topK} does
     * (same order of additions). Indices best
     * first per query; scores in {@code scoresOut[q]} (each of length at least {@code k}). With the
     * Vector API ({@link #BATCH}) the 64 terms are added in another order: scores may differ from
     * {@link #topK}'s in the last bits.
     */
    public static int[][] topKBatch(MemorySegment data, long rows, float[][] qs, int k, float[][] scoresOut) {
        return BATCH.topKBatch(data, rows, qs, k, scoresOut);
    }

    /**
     * Rows per call of a batched kernel's inner loop. A scan is a loop of calls over blocks of
     * rows, not one loop over the whole matrix, because of what closing a shared arena does to
     * other threads: the JVM handshakes every thread and deoptimizes any whose top frame is
     * compiled code with memory-segment accesses, whatever memory it reads (HotSpot's
     * {@code CloseScopedMemoryHandshakeClosure}). A worker's follower closes a replaced version
     * while the scan runs over the new one; with one loop the rest of that pass then ran in the
     * interpreter (100-140 ms instead of 12 ms on 244 MiB; 2.5 s once for the Vector API); with a
     * call per block about the block in progress does, and the next call runs the block method's
     * own compiled code
     * (docs/dataset.md, "Closing a version and the JIT"). System property
     * {@code shm4j.bench.blockRows} changes it (a number above the rows: one loop, for an A/B).
     */
    static final int BLOCK_ROWS = Math.max(1, Integer.getInteger("shm4j.bench.blockRows", 1024));

    /** A batched top-k kernel: {@link #topKBatch}'s contract. */
    interface BatchKernel {
        String name();

        int[][] topKBatch(MemorySegment data, long rows, float[][] qs, int k, float[][] scoresOut);
    }

    /** The scalar batched kernel (the fallback; also what the vector one is checked against). */
    static final BatchKernel SCALAR_BATCH = new BatchKernel() {
        @Override
        public String name() {
            return "scalar";
        }

        @Override
        public int[][] topKBatch(MemorySegment data, long rows, float[][] qs, int k, float[][] scoresOut) {
            return scalarTopKBatch(data, rows, qs, k, scoresOut);
        }
    };

    /**
     * The batched kernel in force: {@code VectorTopK} (fused multiply-adds over the JVM's widest
     * vectors) where the JVM has {@code jdk.incubator.vector} ({@code --add-modules
     * jdk.incubator.vector}; the workers are started with it), else the scalar one. System
     * property {@code shm4j.bench.simd=false} forces the scalar one.
     */
    static final BatchKernel BATCH = loadBatchKernel();

    private static BatchKernel loadBatchKernel() {
        if (!Boolean.parseBoolean(System.getProperty("shm4j.bench.simd", "true").trim())
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return SCALAR_BATCH;
        }
        try {
            return (BatchKernel) Class.forName(Embeddings.class.getPackageName() + ".VectorTopK")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | UnsupportedOperationException e) {
            return SCALAR_BATCH;
        }
    }

    static int[][] scalarTopKBatch(MemorySegment data, long rows, float[][] qs, int k, float[][] scoresOut) {
        int n = qs.length;
        int[][] best = new int[n][k];
        float[] worst = new float[n];
        for (int b = 0; b < n; b++) {
            Arrays.fill(scoresOut[b], 0, k, Float.NEGATIVE_INFINITY);
            Arrays.fill(best[b], -1);
            worst[b] = Float.NEGATIVE_INFINITY;
        }
        float[] row = new float[DIM];
        for (long from = 0; from < rows; from += BLOCK_ROWS) {
            scalarBlock(data, from, Math.min(rows, from + BLOCK_ROWS), qs, k, row, best, worst, scoresOut);
        }
        return best;
    }

    /** {@link #scalarTopKBatch} over rows {@code [from, to)} ({@link #BLOCK_ROWS} says why blocks). */
    private static void scalarBlock(MemorySegment data, long from, long to, float[][] qs, int k, float[] row,
            int[][] best, float[] worst, float[][] scoresOut) {
        int n = qs.length;
        long off = from * DIM * Float.BYTES;
        for (long i = from; i < to; i++, off += DIM * Float.BYTES) {
            MemorySegment.copy(data, FLOAT, off, row, 0, DIM);
            for (int b = 0; b < n; b++) {
                float[] q = qs[b];
                float s0 = 0;
                float s1 = 0;
                float s2 = 0;
                float s3 = 0;
                for (int j = 0; j < DIM; j += 4) {
                    s0 += row[j] * q[j];
                    s1 += row[j + 1] * q[j + 1];
                    s2 += row[j + 2] * q[j + 2];
                    s3 += row[j + 3] * q[j + 3];
                }
                float s = (s0 + s1) + (s2 + s3);
                if (s > worst[b]) {
                    worst[b] = offer(scoresOut[b], best[b], k, s, (int) i);
                }
            }
        }
    }

    /**
     * Puts row {@code row} with score {@code s} (better than the worst kept) into the sorted
     * top-{@code k} ({@code scores} descending, {@code rows} alike); returns the new worst score.
     */
    static float offer(float[] scores, int[] rows, int k, float s, int row) {
        int p = k - 1;
        while (p > 0 && scores[p - 1] < s) {
            scores[p] = scores[p - 1];
            rows[p] = rows[p - 1];
            p--;
        }
        scores[p] = s;
        rows[p] = row;
        return scores[k - 1];
    }

    /**
     * The exact top-k of version {@code version} for {@code q}: every row's score recomputed from
     * the generator ({@link #score}) and the best {@code k} taken by sorting, best first (equal
     * scores: lower row first); their scores in {@code scoresOut}. Shares no code with the
     * workers' kernels, so it checks them (slow: rows × 64 hashes and a sort).
     */
    public static int[] exactTopK(long version, long rows, float[] q, int k, float[] scoresOut) {
        int n = Math.toIntExact(rows);
        double[] score = new double[n];
        for (int r = 0; r < n; r++) {
            score[r] = score(version, r, q);
        }
        double[] sorted = score.clone();
        java.util.Arrays.sort(sorted);
        double kth = sorted[n - k];
        java.util.List<Integer> best = new java.util.ArrayList<>();
        for (int r = 0; r < n; r++) {
            if (score[r] >= kth) {
                best.add(r);
            }
        }
        best.sort((x, y) -> score[x] != score[y] ? Double.compare(score[y], score[x]) : Integer.compare(x, y));
        int[] top = new int[k];
        for (int i = 0; i < k; i++) {
            top[i] = best.get(i);
            scoresOut[i] = (float) score[top[i]];
        }
        return top;
    }

    /** The .npy header (format 1.0, {@code <f4}, C order, data 64-byte aligned) of a {@code rows × 64} matrix. */
    static byte[] npyHeader(long rows) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + DIM + "), }";
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        StringBuilder b = new StringBuilder(dict);
        while (10 + b.length() + 1 < total) {
            b.append(' ');
        }
        b.append('\n');
        byte[] h = b.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(10 + h.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) h.length).put(h);
        return out.array();
    }

    /** Version {@code version} as a heap array ({@code rows × 64}, C order): what a writer publishes. */
    public static float[] matrix(long version, long rows) {
        float[] m = new float[Math.toIntExact(rows * DIM)];
        fill(MemorySegment.ofArray(m), version, rows);
        return m;
    }

    /**
     * Writes a {@code rows × 64} matrix as a {@code .npy} file at {@code file} (a temporary file
     * in the same directory, then an atomic rename): the baseline's "database file".
     */
    public static void writeNpy(Path file, float[] matrix, long rows) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            writeFully(ch, ByteBuffer.wrap(npyHeader(rows)));
            int at = 0;
            while (at < matrix.length) {
                int n = Math.min(matrix.length - at, buf.capacity() / Float.BYTES);
                buf.clear();
                buf.asFloatBuffer().put(matrix, at, n);
                buf.limit(n * Float.BYTES);
                writeFully(ch, buf);
                at += n;
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
