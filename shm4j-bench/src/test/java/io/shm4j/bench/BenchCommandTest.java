package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.shm4j.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code shm4j bench} and {@code shm4j demo} end to end at tiny sizes, through the CLI's entry point. */
class BenchCommandTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void shouldRunEveryWorkloadWithPythonAndWriteTableCsvJsonAndCharts(@TempDir Path dir) throws Exception {
        Run r = run("bench", "--size", "0.002", "--reps", "2", "--workers", "2", "--out", dir.toString());

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("workload A", "workload B", "workload C", "workload D", "targets (issues 5 and 6)",
                "java shm4j-processes [tasks=8, first run (cold)]", "python shm_once [tasks=8]");
        for (String f : List.of("results.csv", "results.json", "workload-A.png", "workload-B.png", "workload-C.png",
                "workload-D.png")) {
            assertThat(dir.resolve(f)).isNotEmptyFile();
        }
        assertThat(Files.readAllBytes(dir.resolve("workload-A.png"))).startsWith(0x89, 'P', 'N', 'G');
        JsonObject doc = JsonParser.parseString(Files.readString(dir.resolve("results.json"))).getAsJsonObject();
        Set<String> seen = new HashSet<>();
        List<String> notOk = new ArrayList<>();
        for (JsonElement e : doc.getAsJsonArray("results")) {
            JsonObject m = e.getAsJsonObject();
            String key = m.get("workload").getAsString() + "/" + m.get("language").getAsString() + "/"
                    + m.get("strategy").getAsString();
            seen.add(key);
            if (!m.get("check").getAsString().equals("ok")) {
                notOk.add(key + ": " + m.get("check").getAsString());
            }
            assertThat(m.get("runs").getAsInt()).as(key).isEqualTo(2);
            if (key.contains("java/shm4j-processes")) {
                assertThat(m.getAsJsonObject("setup").has("pool_start_s")).as(key).isTrue();
            }
        }
        assertThat(notOk).isEmpty();
        assertThat(seen).contains("A/java/threads-heap", "A/java/shm4j-processes", "A/java/shm4j-attach-per-task",
                "A/java/shm4j-threads", "A/java/serialization", "A/java/mmap-npy-disk", "A/java/mmap-npy-shm",
                "A/java/objectstore", "A/python/pickle", "A/python/ray_put",
                "B/java/shm4j-processes", "B/java/serialization", "B/java/sequential", "B/java/threads-heap",
                "B/java/shm4j-threads", "B/python/shm_once",
                "C/java/shm4j-processes", "C/java/serialization", "C/java/single-process", "C/python/cow_fork",
                "D/java/shm4j-processes", "D/java/single-process", "D/python/arrow_mmap");
        JsonObject c = find(doc, "C", "java", "shm4j-processes");
        assertThat(c.getAsJsonObject("memory_mib").keySet()).contains("anon_added", "rss_added", "pss_added", "pss");
        assertThat(doc.getAsJsonArray("targets").size()).isGreaterThan(5);
        assertThat(Files.readString(dir.resolve("results.csv"))).startsWith("workload,language,strategy,variant");
    }

    @Test
    void shouldSkipPythonWhenAskedAndRunOneWorkload(@TempDir Path dir) {
        Run r = run("bench", "--workload", "c", "--size", "0.001", "--reps", "1", "--warmup", "0", "--no-python",
                "--out", dir.toString());

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("workload C", "python off").doesNotContain("workload A", "  python ");
        assertThat(dir.resolve("workload-C.png")).isNotEmptyFile();
        assertThat(dir.resolve("workload-A.png")).doesNotExist();
    }

    @Test
    void shouldRunTheDemoAndSummarizeInPlainWords() {
        Run r = run("demo", "--size", "0.01", "--reps", "1");

        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("100,000 records").containsPattern("copying: \\d+\\.\\d+ s and \\d+ MB per worker")
                .containsPattern("sharing: \\d+\\.\\d+ s and \\d+ MB per worker")
                .containsPattern("sharing is \\d+x faster").contains("exact answer");
    }

    @Test
    void shouldExitWithStatus2OnUsageErrors() {
        for (String[] args : List.of(new String[] {"bench", "--workload", "F"}, new String[] {"bench", "--size", "0"},
                new String[] {"bench", "--size", "lots"}, new String[] {"bench", "--size", "11"},
                new String[] {"bench", "--reps", "0"}, new String[] {"bench", "--workers", "0"},
                new String[] {"bench", "--warmup", "-1"}, new String[] {"bench", "--bogus"},
                new String[] {"demo", "--workers", "0"}, new String[] {"demo", "--size", "x"},
                new String[] {"demo", "extra"})) {
            Run r = run(args);
            assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(String.join(" ", args)).isNotBlank();
        }
    }

    private static JsonObject find(JsonObject doc, String workload, String language, String strategy) {
        for (JsonElement e : doc.getAsJsonArray("results")) {
            JsonObject m = e.getAsJsonObject();
            if (m.get("workload").getAsString().equals(workload) && m.get("language").getAsString().equals(language)
                    && m.get("strategy").getAsString().equals(strategy)) {
                return m;
            }
        }
        throw new AssertionError("no result " + workload + "/" + language + "/" + strategy);
    }
}
