package io.shm4j.cli;

import io.shm4j.segment.NoSuchSegmentException;
import io.shm4j.segment.ShmDirectory;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j rm NAME...}: remove segments. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Remove segments. Processes that mapped them keep their mappings until they close them.")
final class RmCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME", arity = "1..*", description = "Segment names.")
    List<String> names;

    @Option(names = {"-f", "--force"}, description = "No error for names that do not exist; also remove files"
            + " shm4j did not create, links (never what they point to), special files and empty directories.")
    boolean force;

    @Override
    public Integer call() {
        ShmDirectory dir = ShmDirectory.current();
        int status = 0;
        for (String name : names) {
            try {
                dir.remove(name, force);
            } catch (NoSuchSegmentException e) {
                if (!force) {
                    spec.commandLine().getErr().println("shm4j: error: " + Text.oneLine(e.getMessage()));
                    status = 1;
                }
            } catch (io.shm4j.Shm4jException e) {
                spec.commandLine().getErr().println("shm4j: error: " + Text.oneLine(e.getMessage()));
                status = 1;
            }
        }
        return status;
    }
}
