package io.shm4j.cli;

import io.shm4j.frame.SharedFrame;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j head NAME}: the first rows of a data frame. */
@Command(name = "head", mixinStandardHelpOptions = true, description = "Show the first rows of a data frame.")
final class HeadCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Frame segment name.")
    String name;

    @Option(names = {"-n", "--rows"}, paramLabel = "N", defaultValue = "10", description = "Rows to show (default 10).")
    int rows;

    @Override
    public Integer call() {
        if (rows < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "rows must be >= 0: rows=" + rows);
        }
        try (SharedFrame f = SharedFrame.attach(name)) {
            spec.commandLine().getOut().print(f.head(rows));
        }
        return 0;
    }
}
