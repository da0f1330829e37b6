package io.shm4j.cli;

import io.shm4j.array.SharedArray;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.ShmDirectory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code shm4j export NAME FILE}: write a segment to a file on disk. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a segment to disk: an array as .npy; a frame as .csv or .arrow (by extension).")
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
        if (info.kind() == SegmentKind.ARRAY) {
            if (!n.endsWith(".npy")) {
                throw new io.shm4j.BadFormatException("an array exports to .npy: name=" + name + ", file=" + file);
            }
            try (SharedArray a = SharedArray.attach(info.ref())) {
                a.save(file);
            }
        } else if (info.kind() == SegmentKind.FRAME) {
            Frames.export(info, file);
        } else {
            throw new io.shm4j.BadFormatException("cannot export this kind: name=" + name + ", kind="
                    + info.kind().label() + "; export takes arrays (.npy) and frames (.csv, .arrow)");
        }
        spec.commandLine().getOut().println("exported " + name + " to " + file);
        return 0;
    }
}
