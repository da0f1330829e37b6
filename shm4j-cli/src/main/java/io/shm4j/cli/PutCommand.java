package io.shm4j.cli;

import io.shm4j.segment.ShmOptions;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.ProcessIdentity;
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
        description = {"Load a file into shared memory: .npy as an array; .csv, .arrow, .feather, .ipc"
                + " or .arrows (IPC stream) as a data frame; compressed (LZ4, ZSTD) Arrow files and streams"
                + " are written uncompressed in the file format. Prints the segment's name.",
            "By default the segment is scoped to the process that ran shm4j (your shell or script):"
                + " it is removed by `shm4j gc` (or any pool start) once that process is gone."
                + " --persistent keeps it until `shm4j rm`."})
final class PutCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "A .npy, .csv, .arrow, .feather, .ipc or .arrows file.")
    Path file;

    @Option(names = "--name", paramLabel = "NAME", description = "Segment name (default: a generated one).")
    String name;

    @Option(names = "--persistent", description = "Keep the segment until `shm4j rm`.")
    boolean persistent;

    @Option(names = "--owner-pid", paramLabel = "PID",
            description = "Scope the segment to this process instead of the one that ran shm4j.")
    Long ownerPid;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) {
            throw new SegmentException("no such file: path=" + file + "; give a .npy, .csv or .arrow file");
        }
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Lifetime lifetime = persistent ? Lifetime.PERSISTENT : Lifetime.SCOPED;
        ProcessIdentity owner = owner();
        String created;
        if (n.endsWith(".npy")) {
            try (SharedArray a = SharedArray.copyOf(ShmOptions.named(name).withLifetime(lifetime).withOwner(owner), file)) {
                created = a.describe();
            }
        } else if (Frames.handles(n)) {
            created = Frames.put(file, name, lifetime, owner);
        } else {
            throw new io.shm4j.BadFormatException("unsupported file type: path=" + file
                    + "; put takes .npy (array), .csv, .arrow, .feather, .ipc or .arrows (frame)");
        }
        spec.commandLine().getOut().println(created + (persistent ? "" : ", owner pid=" + owner.pid()));
        return 0;
    }

    /** The owner of a scoped segment: --owner-pid, else the process that ran shm4j. */
    private ProcessIdentity owner() {
        if (persistent) {
            return ProcessIdentity.current();
        }
        long pid = ownerPid != null ? ownerPid
                : ProcessHandle.current().parent().map(ProcessHandle::pid).orElseThrow(() ->
                        new SegmentException("cannot find the process that ran shm4j; use --persistent or --owner-pid"));
        return ProcessIdentity.of(pid).orElseThrow(() -> new SegmentException(
                "no such process: owner-pid=" + pid + "; give a running process, or --persistent"));
    }
}
