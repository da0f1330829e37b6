package io.shm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
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
        String dir = "--dir=" + shm;
        PrintWriter out = new PrintWriter(Writer.nullWriter());
        String[][] commands = {
            {"--help"}, {"--version"}, {"ls", dir}, {"ls", dir, "--all", "--json"}, {"gc", dir, "--dry-run"},
            {"put", dir, csv.toString(), "--name", "t"}, {"info", dir, "t"}, {"info", dir, "t", "--json"},
            {"head", dir, "t"}, {"export", dir, "t", scratch.resolve("t.arrow").toString()},
            {"put", dir, scratch.resolve("t.arrow").toString(), "--name", "t2"}, {"rm", dir, "t", "t2"},
            {"store", dir, "stats"}, {"info", dir, "missing"}, {"ls", "--bogus"},
        };
        for (String[] c : commands) {
            Main.run(c, out, out);
        }
    }
}
