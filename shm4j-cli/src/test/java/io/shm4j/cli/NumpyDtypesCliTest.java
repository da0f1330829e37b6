package io.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code put}, {@code info}, {@code head} and {@code export} of a NumPy record array and of a big-endian file. */
class NumpyDtypesCliTest {
    @TempDir
    Path dir;

    @Test
    void shouldPutShowAndExportARecordArrayAndSayWhenItConvertsBigEndianInput() throws Exception {
        Path rec = dir.resolve("rec.npy");
        Path be = dir.resolve("be.npy");
        Path out = dir.resolve("out.npy");
        Processes.python("""
                import sys, numpy as np
                dates = np.array(["2024-01-31", "2024-02-01", "NaT"], "M8[us]")
                np.save(sys.argv[1], np.rec.fromarrays([dates, np.array([1.5, 2.25, -0.5]), np.array(["ab", "日本", ""])],
                                                        names="when,price,name"))
                np.save(sys.argv[2], np.array([1.5, -2.0], ">f8"))
                """, rec.toString(), be.toString()).assertOk();
        String r = TestNames.unique("cli-rec");
        String b = TestNames.unique("cli-be");
        try {
            CliTest.Run put = CliTest.run("put", rec.toString(), "--name", r);
            assertThat(put.code()).as(put.err()).isZero();
            assertThat(put.out()).contains(r, "record{when: datetime64[us], price: float64, name: <U2}", "(3,)");
            assertThat(CliTest.run("info", r).out()).contains("dtype:", "record", "fields:", "when", "datetime64[us]",
                    "price", "float64");
            CliTest.Run head = CliTest.run("head", r, "-n", "2");
            assertThat(head.code()).as(head.err()).isZero();
            assertThat(head.out()).contains("record [3]", "when", "price", "name", "2024-01-31T00:00:00.000000", "2.25", "日本",
                    "1 more rows").doesNotContain("NaT");
            assertThat(CliTest.run("export", r, out.toString()).code()).isZero();
            assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(rec));
            CliTest.Run putBe = CliTest.run("put", be.toString(), "--name", b);
            assertThat(putBe.code()).as(putBe.err()).isZero();
            assertThat(putBe.out()).contains("float64", "converted from big-endian to little-endian");
            assertThat(CliTest.run("head", b).out()).contains("float64 [2]", "1.5", "-2.0");
        } finally {
            ShmDirectory.current().find(r).ifPresent(i -> ShmDirectory.current().remove(r));
            ShmDirectory.current().find(b).ifPresent(i -> ShmDirectory.current().remove(b));
        }
    }
}
