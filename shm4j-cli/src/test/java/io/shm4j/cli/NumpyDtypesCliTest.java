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

    @Test
    void shouldPutARecordArrayAsAFrameWithFrameAsPandasFromRecordsDoes() throws Exception {
        Path rec = dir.resolve("rec.npy");
        Path be = dir.resolve("be.npy");
        Path plain = dir.resolve("plain.npy");
        Path cplx = dir.resolve("cplx.npy");
        Processes.python("""
                import sys, numpy as np
                dates = np.array(["2024-01-31", "2024-02-01", "NaT"], "M8[us]")
                r = np.rec.fromarrays([dates, np.array([1.5, 2.25, np.nan]), np.array(["ab", "日本", ""]),
                                       np.array([b"x", b"", b"yz"], "S2"), np.array([True, False, True])],
                                      names="when,price,name,raw,ok")
                np.save(sys.argv[1], r)
                np.save(sys.argv[2], r.astype(r.dtype.newbyteorder(">")))
                np.save(sys.argv[3], np.arange(3.0))
                np.save(sys.argv[4], np.zeros(2, [("a", "i8"), ("z", "c16")]))
                """, rec.toString(), be.toString(), plain.toString(), cplx.toString()).assertOk();
        String f = TestNames.unique("cli-recframe");
        String g = TestNames.unique("cli-recframe-be");
        try {
            CliTest.Run put = CliTest.run("put", rec.toString(), "--frame", "--name", f);
            assertThat(put.code()).as(put.err()).isZero();
            assertThat(put.out()).contains(f, "frame 3 rows x 5 columns", "persistent");
            assertThat(CliTest.run("info", f).out()).contains("frame", "timestamp[us]", "binary", "string", "bool");
            CliTest.Run putBe = CliTest.run("put", be.toString(), "--frame", "--name", g);
            assertThat(putBe.code()).as(putBe.err()).isZero();
            assertThat(putBe.out()).contains("frame 3 rows x 5 columns", "converted from big-endian");
            Path d = ShmDirectory.current().path();
            Processes.python("""
                    import sys, numpy as np, pandas as pd, pyarrow as pa
                    exp = pd.DataFrame.from_records(np.load(sys.argv[1]))
                    for seg in sys.argv[2:]:
                        got = pa.ipc.open_file(pa.memory_map(seg)).read_all().to_pandas()
                        pd.testing.assert_frame_equal(got, exp)
                    """, rec.toString(), d.resolve(f).toString(), d.resolve(g).toString()).assertOk();

            CliTest.Run notRecords = CliTest.run("put", plain.toString(), "--frame");
            assertThat(notRecords.code()).isNotZero();
            assertThat(notRecords.err()).contains("--frame needs a record array", "dtype=float64", "without --frame");
            CliTest.Run complex = CliTest.run("put", cplx.toString(), "--frame");
            assertThat(complex.code()).isNotZero();
            assertThat(complex.err()).contains("field=z, dtype=complex128").hasLineCount(1);
            CliTest.Run csv = CliTest.run("put", dir.resolve("x.csv").toString(), "--frame");
            assertThat(csv.code()).isNotZero();
        } finally {
            ShmDirectory.current().find(f).ifPresent(i -> ShmDirectory.current().remove(f));
            ShmDirectory.current().find(g).ifPresent(i -> ShmDirectory.current().remove(g));
        }
    }
}
