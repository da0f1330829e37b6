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

/**
 * {@code shm4j put FILE}: load a file into a new segment.
 *
 * <p>Ownership is what a user predicts from the command line alone: the segment is persistent
 * (kept until {@code shm4j rm}), whatever runs shm4j ({@code time}, {@code timeout}, {@code nohup},
 * a script); {@code --scoped} ties it to the login session (the session leader: the terminal's
 * shell, an ssh session, a {@code setsid} job), so {@code shm4j gc} reclaims it once that session
 * has ended; {@code --owner-pid} ties it to one given process.
 */
@Command(name = "put", mixinStandardHelpOptions = true,
        description = {"Load a file into shared memory: .npy as an array; .csv, .arrow, .feather, .ipc"
                + " or .arrows (IPC stream) as a data frame; compressed (LZ4, ZSTD) Arrow files and streams"
                + " are written uncompressed in the file format; with --frame a .npy record array becomes a"
                + " frame. Prints the segment's name.",
            "Ownership: by default the segment is persistent: it stays until `shm4j rm NAME` (or a"
                + " reboot), whether shm4j ran under time, timeout, nohup or a script.",
            "--scoped ties it to your login session (the session leader: the terminal's shell, the ssh"
                + " session, a setsid job): `shm4j gc` (or any pool start) removes it once that session"
                + " has ended. --owner-pid PID ties it to that one process instead."})
final class PutCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "A .npy, .csv, .arrow, .feather, .ipc or .arrows file.")
    Path file;

    @Option(names = "--name", paramLabel = "NAME", description = "Segment name (default: a generated one).")
    String name;

    @Option(names = "--frame", description = "Store a .npy record array (structured dtype) as a data frame:"
            + " one column per field, as pandas.DataFrame.from_records.")
    boolean frame;

    @CommandLine.ArgGroup(exclusive = true)
    Ownership ownership = new Ownership();

    /** Where the result goes when run without picocli ({@code Main.fastPut}); else picocli's out. */
    java.io.PrintWriter out;

    /** At most one of --persistent, --scoped, --owner-pid. */
    static final class Ownership {
        @Option(names = "--persistent", description = "Keep the segment until `shm4j rm` (the default).")
        boolean persistent;

        @Option(names = "--scoped", description = "Remove the segment (at the next gc) once this login session has ended.")
        boolean scoped;

        @Option(names = "--owner-pid", paramLabel = "PID",
                description = "Remove the segment (at the next gc) once process PID has ended.")
        Long ownerPid;
    }

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) {
            throw new SegmentException("no such file: path=" + file + "; " + Formats.ACCEPTED_FOR_PUT);
        }
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ProcessIdentity owner = owner();
        Lifetime lifetime = owner == null ? Lifetime.PERSISTENT : Lifetime.SCOPED;
        if (owner == null) {
            owner = ProcessIdentity.current();
        }
        String created;
        if (frame) {
            if (!n.endsWith(".npy")) {
                throw new io.shm4j.BadFormatException("--frame is for .npy record arrays: path=" + file
                        + "; .csv and Arrow files become frames without it");
            }
            created = Frames.putRecords(file, name, lifetime, owner);
        } else if (n.endsWith(".npy")) {
            boolean bigEndian = SharedArray.readHeader(file).bigEndian();
            try (SharedArray a = SharedArray.copyOf(ShmOptions.named(name).withLifetime(lifetime).withOwner(owner), file)) {
                created = a.describe() + (bigEndian ? ", converted from big-endian to little-endian" : "");
            }
        } else if (Frames.handles(n)) {
            created = Frames.put(file, name, lifetime, owner);
        } else {
            throw new io.shm4j.BadFormatException("unsupported file type: path=" + file + "; "
                    + Formats.ACCEPTED_FOR_PUT);
        }
        String segment = created.substring(0, created.indexOf(' '));
        (out != null ? out : spec.commandLine().getOut()).println(created + (lifetime == Lifetime.PERSISTENT
                ? " (remove with: shm4j rm " + segment + ")"
                : ", owner pid=" + owner.pid() + (ownership.scoped ? " (the session leader)" : "")));
        return 0;
    }

    /** The owner of a scoped segment (--scoped: the session leader; --owner-pid), or null for persistent. */
    private ProcessIdentity owner() {
        long pid;
        if (ownership.ownerPid != null) {
            pid = ownership.ownerPid;
        } else if (ownership.scoped) {
            pid = Session.leaderPid();
        } else {
            return null;
        }
        return ProcessIdentity.of(pid).orElseThrow(() -> new SegmentException(
                (ownership.scoped ? "the session leader has ended: session=" : "no such process: owner-pid=")
                        + pid + "; give a running process with --owner-pid, or leave the segment persistent"));
    }
}
