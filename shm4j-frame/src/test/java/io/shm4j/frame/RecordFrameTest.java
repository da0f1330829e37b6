package io.shm4j.frame;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import org.junit.jupiter.api.Test;

/**
 * The record frame of the well-known blog test: 10 million rows of (date, float64 with NaN in
 * half the rows, short strings), built in Java, summed in Java and in Python.
 */
class RecordFrameTest {
    static final int ROWS = 10_000_000;
    static final long DAY = 86_400_000_000_000L;
    static final String[] SYMBOLS = {"AAPL", "MSFT", "GOOG", "AMZN", "META", "NVDA", "TSLA", "IBM"};

    /** Builds the record frame: NaN (stored as null) where {@code i % 2 == 1}. */
    static SharedFrame build(int rows, String name) {
        return SharedFrame.builder(rows)
                .addTimestamps("date", null, i -> 1_577_836_800_000_000_000L + (i % 3650) * DAY, null)
                .addDoubles("value", i -> (i & 1) == 1 ? Double.NaN : (i % 1000) * 0.5, i -> (i & 1) == 1)
                .addStrings("sym", i -> SYMBOLS[(int) (i & 7)])
                .build(ShmOptions.named(name));
    }

    @Test
    void shouldBuildTenMillionRowsAndSumThemInJavaAndPython() {
        try (SharedFrame f = build(ROWS, TestNames.unique("record"))) {
            double expected = 0;
            for (long i = 0; i < ROWS; i += 2) {
                expected += (i % 1000) * 0.5;
            }
            assertThat(f.doubles("value").nansum()).isEqualTo(expected);
            assertThat(f.doubles("value").nullCount()).isEqualTo(ROWS / 2);
            Processes.Result r = Processes.python("""
                    import sys, pyarrow as pa, pyarrow.compute as pc
                    t = pa.ipc.open_file(pa.memory_map(sys.argv[1])).read_all()
                    assert t.num_rows == 10_000_000
                    assert t.column("sym")[3].as_py() == "AMZN"
                    print(pc.sum(t.column("value")).as_py())
                    """, f.path().toString()).assertOk();
            assertThat(Double.parseDouble(r.stdout().trim())).isEqualTo(expected);
        }
    }
}
