package io.shm4j.bench.workload.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.testkit.Processes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Workload E end to end at a small size (8192 x 64) with real processes: Java worker JVMs and Python workers
 * on one SO_REUSEPORT port, a writer publishing a version every 0.5 s, every answer checked
 * against the version it claims (some recomputed in full); the leak check fails the test if a
 * worker, a segment or a temporary file is left.
 */
class ServeTest {
    @Test
    void shouldServeConsistentAnswersFromEveryWorkerAcrossUpdates() throws Exception {
        long rows = 8192; // 2 MiB versions: large enough for the writer's page stock (1 MiB and more)
        ServeBench.Options o = new ServeBench.Options(0.002, 2, 1,
                new ServeRun.Plan(rows, 5, 3, 0.1, 1.5, 0.5, 0.1, 3, true, 4), true, Processes.pythonExecutable(), false, false,
                List.of(io.shm4j.Settings.shmDirectory()), true, 1);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        List<ServeBench.Summary> s = ServeBench.run(o, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);

        assertThat(s).as(out).extracting(x -> x.config().label())
                .containsExactly("java shm x2", "java copy x2", "python shm x2", "python copy x2");
        for (ServeBench.Summary x : s) {
            ServeRun.Result r = x.runs().get(0);
            assertThat(r.problems()).as(x.config().label() + "\n" + out).isEmpty();
            assertThat(r.failed() + r.inconsistent()).as(out).isZero();
            assertThat(r.answers()).as(out).isGreaterThanOrEqualTo(4);
            assertThat(r.fullChecked()).as(out).isGreaterThanOrEqualTo(3);
            assertThat(r.workersAnswering()).as(out).isEqualTo(2);
            assertThat(r.versionsSeen()).as(x.config().label() + " followed the updates\n" + out).isGreaterThanOrEqualTo(2);
            if (x.config().mode().equals("shm")) {
                assertThat(r.maxVersionsAlive()).as(out).isBetween(1, 2);
                // both workers map the last version (and the page of its .npy header): half of it each
                assertThat(r.matrixPssMiB()).as(out).isGreaterThan(0).isLessThan(ServeBench.matrixMiB(rows) * 0.6);
                // the writer's page stock was primed with one version's pages: the first publish reuses them
                assertThat(r.publishes()).as(out).isNotEmpty();
                assertThat(r.publishes().get(0).reusedPages()).as(out).isTrue();
            }
        }
        assertThat(out).contains("targets (issue 18)", "zero failed or inconsistent answers");
        // the warm-up round ran every configuration once, and only the rep is in the figures
        for (ServeBench.Summary x : s) {
            assertThat(out).contains("warm-up " + x.config().label());
            assertThat(x.runs()).as(out).hasSize(1);
        }
        assertThat(out).contains("(warm-up rounds: 0 bad)");
    }

    @Test
    void shouldRunEveryConfigurationInEachDirectoryGiven() {
        ServeBench.Options o = ServeBench.parse(new String[] {"--workers", "2", "--dir", "/dev/shm", "--dir", "/mnt/huge"});
        List<ServeRun.Config> c = ServeBench.configs(o, true);
        assertThat(c).extracting(ServeRun.Config::label).containsExactly(
                "java shm x1", "java shm x2", "java copy x2", "python shm x1", "python shm x2", "python copy x2",
                "java shm x1 huge", "java shm x2 huge", "java copy x2 huge", "python shm x1 huge", "python shm x2 huge",
                "python copy x2 huge");
        assertThat(c.get(7).dir()).isEqualTo(java.nio.file.Path.of("/mnt/huge"));
        assertThat(ServeBench.parse(new String[0]).dirs()).containsExactly(io.shm4j.Settings.shmDirectory());
        assertThat(ServeBench.parse(new String[0]).warmupRounds()).isEqualTo(ServeBench.WARMUP_ROUNDS).isEqualTo(1);
        assertThat(ServeBench.parse(new String[] {"--warmup-rounds", "0"}).warmupRounds()).isZero();
    }

    @Test
    void shouldRejectAnswersThatMixOrMisnameVersions() {
        float[] q = Embeddings.query(3);
        float[] scores = new float[4];
        long rows = 500;
        int[] top = Embeddings.topK(MemorySegment.ofArray(Embeddings.matrix(2, rows)), rows, q, 4, scores);
        assertThat(ServeRun.checkAnswer(2, 5, top, scores, q)).isNull();
        assertThat(ServeRun.checkAnswer(3, 5, top, scores, q)).contains("in version 3");
        assertThat(ServeRun.checkAnswer(6, 5, top, scores, q)).contains("never published");
        int[] mixed = top.clone();
        float[] mixedScores = scores.clone();
        mixed[3] = 7;
        mixedScores[3] = Math.min(scores[2], (float) Embeddings.score(3, 7, q)); // row 7 taken from version 3
        assertThat(ServeRun.checkAnswer(2, 5, mixed, mixedScores, q)).isNotNull();
        int[] exact = Embeddings.exactTopK(2, rows, q, 4, new float[4]);
        assertThat(exact).containsExactly(top);
    }

    @Test
    void shouldGiveTheSameAnswersBatchedScalarAndVectorAsOneQueryAtATime() {
        long rows = 3001; // not a multiple of any vector length or of Embeddings.BLOCK_ROWS
        MemorySegment m = MemorySegment.ofArray(Embeddings.matrix(4, rows));
        float[][] qs = new float[5][];
        for (int b = 0; b < qs.length; b++) {
            qs[b] = Embeddings.query(b + 10);
        }
        // the test JVM has jdk.incubator.vector (the build's JVM flags): the vector kernel is in force
        assertThat(Embeddings.BATCH.name()).startsWith("Vector API");
        for (Embeddings.BatchKernel kernel : List.of(Embeddings.BATCH, Embeddings.SCALAR_BATCH)) {
            float[][] scores = new float[qs.length][7];
            int[][] top = kernel.topKBatch(m, rows, qs, 7, scores);
            for (int b = 0; b < qs.length; b++) {
                float[] one = new float[7];
                int[] want = Embeddings.topK(m, rows, qs[b], 7, one);
                // the kernels scan in blocks of BLOCK_ROWS rows (3001 rows end in a partial one):
                // the reference is a plain sort of every row's score, recomputed from the generator
                assertThat(want).as("topK query " + b).containsExactly(bruteForceTopK(4, rows, qs[b], 7));
                assertThat(top[b]).as(kernel.name() + " query " + b).containsExactly(want);
                for (int i = 0; i < 7; i++) {
                    assertThat((double) scores[b][i]).isCloseTo(one[i], org.assertj.core.api.Assertions.within(1e-4));
                }
                assertThat(ServeRun.checkAnswer(4, 4, top[b], scores[b], qs[b])).isNull();
            }
        }
    }

    /** The indices of the {@code k} best rows of version {@code v}, best first: every score recomputed and sorted. */
    private static int[] bruteForceTopK(long v, long rows, float[] q, int k) {
        Integer[] order = new Integer[Math.toIntExact(rows)];
        double[] score = new double[order.length];
        for (int r = 0; r < order.length; r++) {
            order[r] = r;
            score[r] = Embeddings.score(v, r, q);
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(score[y], score[x]));
        int[] best = new int[k];
        for (int i = 0; i < k; i++) {
            best[i] = order[i];
        }
        return best;
    }
}
