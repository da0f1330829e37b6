package io.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.ShmOptions;
import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.pool.WorkerPool;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's examples, compiled and run, so the README cannot drift from the API. */
class ReadmeExampleTest {
    @Test
    void shouldRunTheReadmeArrayAndPoolExample() {
        String name = TestNames.unique("prices");
        double[] data = new double[1_000_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (i % 1024) * 0.5;
        }
        // --- README: arrays and the pool
        try (SharedArray prices = SharedArray.copyOf(ShmOptions.named(name), data);  // a .npy file in /dev/shm
             WorkerPool pool = WorkerPool.processes(2)) {                               // two worker JVMs
            List<Double> parts = pool.mapRows(prices, 8, (chunk, ctx) ->               // 8 tasks; refs travel, data does not
                    ctx.array(chunk.ref()).slice(chunk.start(), chunk.end()).sum());    // each worker maps it once
            double total = parts.stream().mapToDouble(Double::doubleValue).sum();
            // --- end
            assertThat(total).isEqualTo(prices.sum());
            String py = Processes.python("""
                    import sys, numpy as np, shm4j
                    a = shm4j.attach(sys.argv[1])                   # zero-copy NumPy view
                    b = np.load("/dev/shm/" + sys.argv[1], mmap_mode="r")   # the same, without shm4j
                    print(a.dtype, a.shape, float(a.sum()) == float(b.sum()))
                    """, name).assertOk().stdout().strip();
            assertThat(py).isEqualTo("float64 (1000000,) True");
        }
    }

    @Test
    void shouldRunTheReadmeFrameExample() {
        String name = TestNames.unique("trades");
        // --- README: frames
        try (SharedFrame trades = SharedFrame.builder(3)
                .addStrings("symbol", new String[] {"AAPL", "MSFT", "AAPL"})
                .addDoubles("price", new double[] {189.5, Double.NaN, 190.25})
                .build(ShmOptions.named(name))) {
            double total = trades.doubles("price").nansum();                           // a zero-copy column view
            // --- end
            assertThat(total).isEqualTo(379.75);
            String py = Processes.python("""
                    import sys, pyarrow as pa
                    t = pa.ipc.open_file(pa.memory_map("/dev/shm/" + sys.argv[1])).read_all()
                    print(t.to_pandas()["price"].sum())
                    """, name).assertOk().stdout().strip();
            assertThat(py).isEqualTo("379.75");
        }
    }
}
