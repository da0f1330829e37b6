package io.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.shm4j.testkit.LeakCheck;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What users hit: the schema as structured JSON, head of an array, errors that name the file
 * types, and head/info/export of .npy and Arrow files another program (here: a real Python
 * process) put into the shm directory.
 */
class CliPolishTest {
    @Test
    void shouldHandleForeignNpyAndArrowFilesAsHeadInfoAndExportDo() throws Exception {
        String npy = TestNames.unique("foreign-npy");
        String arrow = TestNames.unique("foreign-arrow");
        Path dir = LeakCheck.shmDirectory();
        Path tmp = Files.createTempDirectory("shm4j-cli-foreign");
        try {
            Processes.python("""
                    import sys, numpy as np, pyarrow as pa, pyarrow.feather as feather
                    d = sys.argv[1]
                    with open(d + "/" + sys.argv[2], "wb") as f:
                        np.save(f, np.arange(12, dtype="<i8").reshape(4, 3))
                    feather.write_feather(pa.table({"x": pa.array([1.5, None, 3.0]), "s": ["a", "b", None]}),
                                          d + "/" + sys.argv[3], compression="uncompressed")
                    """, dir.toString(), npy, arrow).assertOk();
            CliTest.Run head = CliTest.run("head", npy, "-n", "2");
            assertThat(head.code()).as(head.err()).isZero();
            assertThat(head.out()).contains("int64 [4, 3]", "0 1 2", "3 4 5", "2 more rows").doesNotContain("6 7 8");
            CliTest.Run info = CliTest.run("info", arrow, "--json");
            assertThat(info.code()).as(info.err()).isZero();
            JsonObject schema = JsonParser.parseString(info.out()).getAsJsonObject().getAsJsonObject("schema");
            var x = schema.getAsJsonArray("columns").get(0).getAsJsonObject();
            assertThat(x.get("name").getAsString()).isEqualTo("x");
            assertThat(x.get("type").getAsString()).isEqualTo("float64");
            assertThat(x.get("nullable").getAsBoolean()).isTrue();
            assertThat(x.get("nullCount").getAsLong()).isEqualTo(1);
            assertThat(schema.getAsJsonObject("index").get("kind").getAsString()).isEqualTo("range");

            Path outNpy = tmp.resolve("a.npy");
            Path outCsv = tmp.resolve("t.csv");
            assertThat(CliTest.run("export", npy, outNpy.toString()).code()).isZero();
            assertThat(Files.readAllBytes(outNpy)).isEqualTo(Files.readAllBytes(dir.resolve(npy)));
            CliTest.Run csv = CliTest.run("export", arrow, outCsv.toString());
            assertThat(csv.code()).as(csv.err()).isZero();
            assertThat(Files.readString(outCsv)).startsWith("x,s\n1.5,a\n");
            CliTest.Run wrong = CliTest.run("export", arrow, tmp.resolve("t.txt").toString());
            assertThat(wrong.code()).isEqualTo(1);
            assertThat(wrong.err()).contains(".csv", ".arrow", ".feather", ".ipc", ".npy");
        } finally {
            Files.deleteIfExists(dir.resolve(npy));
            Files.deleteIfExists(dir.resolve(arrow));
            try (var files = Files.list(tmp)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(tmp);
        }
    }

    @Test
    void shouldNameTheAcceptedFileTypes() throws Exception {
        Path tmp = Files.createTempFile("shm4j-cli", ".txt");
        try {
            CliTest.Run put = CliTest.run("put", tmp.toString());
            assertThat(put.code()).isEqualTo(1);
            assertThat(put.err()).contains(".npy", ".csv", ".arrow", ".feather", ".ipc");
        } finally {
            Files.delete(tmp);
        }
    }
}
