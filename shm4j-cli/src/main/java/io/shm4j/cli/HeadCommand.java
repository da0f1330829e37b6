package io.shm4j.cli;

import io.shm4j.frame.SharedFrame;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j head NAME}: the first rows of a data frame or an array. */
@Command(name = "head", mixinStandardHelpOptions = true,
        description = "Show the first rows of a data frame or an array (also .npy and Arrow files other programs put in the shm directory).")
final class HeadCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Frame or array segment name.")
    String name;

    @Option(names = {"-n", "--rows"}, paramLabel = "N", defaultValue = "10", description = "Rows to show (default 10).")
    int rows;

    @Override
    public Integer call() {
        if (rows < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "rows must be >= 0: rows=" + rows);
        }
        var out = spec.commandLine().getOut();
        io.shm4j.segment.SegmentInfo info = io.shm4j.segment.ShmDirectory.current().info(name);
        if (Contents.isArray(info)) {
            try (io.shm4j.array.SharedArray a = io.shm4j.array.SharedArray.attach(name)) {
                out.print(Arrays.head(a, rows));
            }
        } else if (Contents.isFrame(info)) {
            try (SharedFrame f = SharedFrame.attach(name)) {
                out.print(f.head(rows));
            }
        } else {
            throw new io.shm4j.BadFormatException("head shows frames and arrays: name=" + name + ", kind="
                    + info.kind().label() + "; " + Formats.CONTENTS);
        }
        return 0;
    }
}
