package io.shm4j.cli;

import io.shm4j.array.SharedArray;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.ShmDirectory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code shm4j export NAME FILE}: write a segment to a file on disk. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a segment to disk: an array as .npy; a frame as .csv, .arrow, .feather or .ipc (by"
                + " extension). Also .npy and Arrow files other programs put in the shm directory.")
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Segment name.")
    String name;

    @Parameters(index = "1", paramLabel = "FILE", description = "Target file.")
    Path file;

    @Override
    public Integer call() {
        SegmentInfo info = ShmDirectory.current().info(name);
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (Contents.isArray(info)) {
            if (!n.endsWith(".npy")) {
                throw new io.shm4j.BadFormatException("an array exports to .npy: name=" + name + ", file=" + file
                        + "; " + Formats.ACCEPTED_FOR_EXPORT);
            }
            try (SharedArray a = SharedArray.attach(info.ref())) {
                a.save(file);
            }
        } else if (Contents.isFrame(info)) {
            if (!(n.endsWith(".csv") || Frames.handles(n))) {
                throw new io.shm4j.BadFormatException("a frame exports to .csv, .arrow, .feather or .ipc: name=" + name
                        + ", file=" + file + "; " + Formats.ACCEPTED_FOR_EXPORT);
            }
            Frames.export(info, file);
        } else {
            throw new io.shm4j.BadFormatException("cannot export this kind: name=" + name + ", kind="
                    + info.kind().label() + "; " + Formats.ACCEPTED_FOR_EXPORT);
        }
        spec.commandLine().getOut().println("exported " + name + " to " + file);
        return 0;
    }
}
