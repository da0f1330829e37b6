package io.shm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run of the CLI's AOT cache ({@code bin/train-aot}, run by the {@code shm4j}
 * launcher with {@code -XX:AOTCacheOutput}): the everyday commands once each, on a scratch shm
 * directory, so their classes are loaded, linked and profiled in the cache. Not for users.
 */
public final class AotTraining {
    private AotTraining() {}

    /**
     * Runs the commands in the empty directory {@code args[0]}.
     *
     * @param args the scratch directory
     * @throws IOException if the scratch files cannot be written
     */
    public static void main(String[] args) throws IOException {
        Path scratch = Path.of(args[0]);
        Path shm = Files.createDirectory(scratch.resolve("shm"));
        Path csv = Files.writeString(scratch.resolve("t.csv"), "id,price,name\n1,2.5,a\n2,,b\n");
        Path big = scratch.resolve("big.csv");
        Files.writeString(big, typicalCsv(40_000));
        String dir = "--dir=" + shm;
        PrintWriter out = new PrintWriter(java.io.OutputStream.nullOutputStream(), true); // as Main.main wraps System.out
        String[][] commands = {
            {"--help"}, {"--version"}, {"ls", dir}, {"ls", dir, "--all", "--json"}, {"gc", dir, "--dry-run"},
            {"put", dir, csv.toString(), "--name", "t"}, {"info", dir, "t"}, {"info", dir, "t", "--json"},
            {"head", dir, "t"}, {"export", dir, "t", scratch.resolve("t.arrow").toString()},
            {"put", dir, scratch.resolve("t.arrow").toString(), "--name", "t2"}, {"rm", dir, "t", "t2"},
            {"store", dir, "stats"}, {"info", dir, "missing"}, {"ls", "--bogus"},
            // a put and an export of some size: the CSV reader's and writer's classes, lambda forms
            // and (with the optimising compiler) method profiles recorded in the cache
            {"put", dir, big.toString(), "--name", "big"}, {"export", dir, "big", scratch.resolve("big2.csv").toString()},
            {"rm", dir, "big"},
        };
        for (String[] c : commands) {
            Main.run(c, out, out);
        }
        // as every command ends (Main.main): Runtime.exit's classes (its System.Logger) in the cache too
        System.exit(0);
    }

    /** {@code rows} rows of the shape CSV puts are measured with: timestamp, float64 with gaps, quoted text, int64. */
    static String typicalCsv(int rows) {
        String[] symbols = {"AAPL", "MSFT", "IBM", "BRK.B", "GOOG", "a \"quoted\" one", "x,y"};
        StringBuilder b = new StringBuilder(rows * 48).append("ts,price,sym,qty\n");
        long seed = 42;
        for (int i = 0; i < rows; i++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            int r = (int) (seed >>> 33);
            b.append("2024-01-").append(10 + i % 20).append(' ').append(10 + i % 12).append(':')
                    .append(10 + i % 50).append(":0").append(i % 10).append(',');
            if (r % 10 != 0) {
                b.append(r % 100_000).append('.').append(10 + r % 90);
            }
            String sym = symbols[Math.floorMod(r, symbols.length)];
            b.append(",\"").append(sym.replace("\"", "\"\"")).append("\",").append(r % 1_000_000).append('\n');
        }
        return b.toString();
    }
}
