package example;

import io.shm4j.segment.ShmOptions;
import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.pool.WorkerPool;
import java.util.List;

/**
 * The README's Java examples as a user's program: an array summed by a pool of two worker JVMs,
 * and a frame. Prints what it computed; exits with status 1 if a result is wrong.
 */
public final class ReadmeExamples {
    private ReadmeExamples() {}

    public static void main(String[] args) {
        String suffix = "-" + ProcessHandle.current().pid();    // several runs may share /dev/shm
        double[] data = new double[1_000_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = i % 1024;
        }
        double expected = 0;
        for (double d : data) {
            expected += d;
        }

        // README: arrays and the pool
        try (SharedArray prices = SharedArray.copyOf(ShmOptions.named("prices" + suffix), data);  // a .npy file in /dev/shm
             WorkerPool pool = WorkerPool.processes(2)) {                                            // two worker JVMs
            List<Double> parts = pool.mapRows(prices, 8, (chunk, ctx) ->                            // 8 tasks; refs travel, data does not
                    ctx.array(chunk.ref()).slice(chunk.start(), chunk.end()).sum());                 // each worker maps it once
            double total = parts.stream().mapToDouble(Double::doubleValue).sum();
            check("pool sum", total, expected);
        }

        // README: frames
        try (SharedFrame trades = SharedFrame.builder(3)
                .addStrings("symbol", new String[] {"AAPL", "MSFT", "AAPL"})
                .addDoubles("price", new double[] {189.5, Double.NaN, 190.25})
                .build(ShmOptions.named("trades" + suffix))) {
            double total = trades.doubles("price").nansum();                                        // a zero-copy column view
            check("frame nansum", total, 379.75);
        }
        System.out.println("examples: ok (" + (ReadmeExamples.class.getModule().isNamed()
                ? "module path, module " + ReadmeExamples.class.getModule().getName() : "class path") + ")");
    }

    private static void check(String what, double got, double want) {
        System.out.println(what + " = " + got);
        if (got != want) {
            System.err.println("examples: wrong " + what + ": got=" + got + ", want=" + want);
            System.exit(1);
        }
    }
}
