package io.shm4j.cli;

import io.shm4j.array.SharedArray;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.SegmentException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j put FILE}: load a file into a new segment. */
@Command(name = "put", mixinStandardHelpOptions = true,
        description = {"Load a file into shared memory: .npy as an array; .csv, .arrow, .feather or"
                + " .ipc as a data frame. Prints the segment's name.",
            "Without --persistent the segment is scoped to this command and would vanish with it,"
                + " so put always creates persistent segments unless --scoped-to PID is given."})
final class PutCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "A .npy, .csv, .arrow, .feather or .ipc file.")
    Path file;

    @Option(names = "--name", paramLabel = "NAME", description = "Segment name (default: a generated one).")
    String name;

    @Option(names = "--persistent", description = "Keep the segment until `shm4j rm` (the default for put).")
    boolean persistent = true;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) {
            throw new SegmentException("no such file: path=" + file + "; give a .npy, .csv or .arrow file");
        }
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String created;
        if (n.endsWith(".npy")) {
            try (SharedArray a = SharedArray.putFile(file, name, Lifetime.PERSISTENT)) {
                created = a.describe();
            }
        } else if (Frames.handles(n)) {
            created = Frames.put(file, name);
        } else {
            throw new io.shm4j.BadFormatException("unsupported file type: path=" + file
                    + "; put takes .npy (array), .csv, .arrow, .feather or .ipc (frame)");
        }
        spec.commandLine().getOut().println(created);
        return 0;
    }
}
