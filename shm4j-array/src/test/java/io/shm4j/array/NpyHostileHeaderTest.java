package io.shm4j.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.Shm4jException;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing NumPy cannot open is accepted or published: hostile {@code .npy} headers are judged by
 * real {@code numpy.load} and by shm4j, and shm4j must refuse whatever NumPy refuses. Messages
 * quote header text escaped and cut, on one line.
 */
class NpyHostileHeaderTest {
    @TempDir
    Path dir;

    private static final String[] HEADERS = {
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",                      // fine
        "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 9223372036854775807), }",  // too big for NumPy
        "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1152921504606846976), }",  // 2**60 * 8 > 2**63-1
        "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1152921504606846975), }",  // just fits
        "{'descr': '<i1', 'fortran_order': False, 'shape': (0, 9223372036854775807), }",  // fits with itemsize 1
        "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 0, 9223372036854775807, 2), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (\u0663,), }",                 // Arabic-Indic digit
        "{'descr': '<f8', 'fortran_order': False, 'shape': (\uff13,), }",                 // fullwidth digit
        "{'descr': '<f8',\u2003'fortran_order': False, 'shape': (3,), }",                 // Unicode space
        "{'descr': '<f8',\u001c'fortran_order': False, 'shape': (3,), }",                 // Java whitespace, not Python's
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3, ), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }",
    };

    @Test
    void shouldRefuseEveryHeaderNumpyRefuses() throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < HEADERS.length; i++) {
            Path f = dir.resolve("h" + i + ".npy");
            Files.write(f, file(HEADERS[i]));
            files.add(f);
        }
        String script = """
                import sys, numpy
                for path in sys.argv[1:]:
                    try:
                        numpy.load(path, mmap_mode="r")
                        print("ok")
                    except Exception as e:
                        print("refused")
                """;
        List<String> args = files.stream().map(Path::toString).toList();
        String[] verdicts = Processes.python(script, args.toArray(String[]::new)).assertOk().stdout().strip().split("\n");
        assertThat(verdicts).hasSize(HEADERS.length);
        for (int i = 0; i < HEADERS.length; i++) {
            boolean numpyOk = verdicts[i].equals("ok");
            boolean ours;
            try {
                NpyLayout.decode(MemorySegment.ofArray(Files.readAllBytes(files.get(i))));
                ours = true;
            } catch (Shm4jException e) {
                ours = false;
                assertThat(e.getMessage()).as(HEADERS[i]).doesNotContain("\n").hasSizeLessThan(600);
            }
            if (!numpyOk) {
                assertThat(ours).as("shm4j accepts header %d %s that numpy refuses", i, HEADERS[i]).isFalse();
            }
        }
        assertThat(verdicts[0]).isEqualTo("ok"); // the well-formed one: both read it
        NpyLayout.decode(MemorySegment.ofArray(Files.readAllBytes(files.get(0))));
    }

    @Test
    void shouldNeverCreateAnArrayNumpyCannotLoad() {
        assertThatThrownBy(() -> NpyLayout.encode(DType.FLOAT64, new long[] {0, 1L << 60}, false))
                .isInstanceOf(ShapeException.class).hasMessageContaining("too large for NumPy");
        assertThatThrownBy(() -> SharedArray.zeros(ShmOptions.defaults(), DType.FLOAT64, 0, Long.MAX_VALUE))
                .isInstanceOf(ShapeException.class);
    }

    @Test
    void shouldQuoteHeaderTextEscapedAndCutInMessages() throws Exception {
        String evil = "{'descr': '<f8\n\u001b[31mRED" + "x".repeat(5000) + "', 'fortran_order': False, 'shape': (3,), }";
        assertThatThrownBy(() -> NpyLayout.decode(MemorySegment.ofArray(file(evil))))
                .isInstanceOf(Shm4jException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\u001b")
                        .hasSizeLessThan(600));
    }

    /** A version 3.0 (UTF-8 header) .npy file of 3 float64 zeros with {@code header} as its dict. */
    private static byte[] file(String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int prefix = 12;
        int len = h.length + 1;
        len += (64 - (prefix + len) % 64) % 64;
        ByteBuffer b = ByteBuffer.allocate(prefix + len + 24).order(ByteOrder.LITTLE_ENDIAN);
        b.put(NpyLayout.MAGIC).put((byte) 3).put((byte) 0).putInt(len).put(h);
        while (b.position() < prefix + len - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }
}
