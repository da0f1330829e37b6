package io.shm4j.segment;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * A process as the owner of segments: its pid and its start time (field 22 of
 * {@code /proc/PID/stat}, clock ticks since boot), so that a reused pid is never mistaken for
 * the owner.
 *
 * <p>Immutable and thread-safe.
 *
 * @param pid the process id
 * @param startTicks the process start time in clock ticks since boot
 */
public record ProcessIdentity(long pid, long startTicks) implements Serializable {
    private static final ProcessIdentity CURRENT = of(ProcessHandle.current().pid())
            .orElseThrow(() -> new SegmentException(
                    "cannot read this process's start time: path=/proc/self/stat"));

    /** This process. */
    public static ProcessIdentity current() {
        return CURRENT;
    }

    /** The live process with this pid, if there is one. */
    public static java.util.Optional<ProcessIdentity> of(long pid) {
        OptionalLong start = startTicks(pid);
        return start.isPresent()
                ? java.util.Optional.of(new ProcessIdentity(pid, start.getAsLong()))
                : java.util.Optional.empty();
    }

    /** True while this very process (same pid and start time) is running and not a zombie. */
    public boolean isAlive() {
        if (pid == CURRENT.pid) {
            return startTicks == CURRENT.startTicks;
        }
        OptionalLong start = startTicks(pid);
        return start.isPresent() && start.getAsLong() == startTicks;
    }

    /**
     * The one owner-liveness check of shm4j (segment gc, store pins and members, the pool's
     * leftovers): false only when this process is known to be dead. An identity recorded in
     * another pid namespace ({@code pidNamespace} not this process's) cannot be checked — its pid
     * means nothing here — and counts as alive, so processes in other containers sharing the
     * directory never lose what they own. {@code pidNamespace} 0 means unknown (written by an
     * older version): judged in this namespace.
     *
     * @param pidNamespace the inode of the pid namespace the identity was recorded in, or 0
     */
    public boolean mayBeAlive(long pidNamespace) {
        if (pidNamespace != 0 && PidNamespace.CURRENT != 0 && pidNamespace != PidNamespace.CURRENT) {
            return true;
        }
        return isAlive();
    }

    /** The inode of this process's pid namespace ({@code /proc/self/ns/pid}), or 0 if unknown. */
    public static long currentPidNamespace() {
        return PidNamespace.CURRENT;
    }

    /** This process's pid namespace, read once. */
    private static final class PidNamespace {
        static final long CURRENT = read();

        private static long read() {
            try {
                String link = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
                return Long.parseLong(link.substring(link.indexOf('[') + 1, link.indexOf(']')));
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }
    }

    /**
     * Reads the start time of {@code pid} from {@code /proc/PID/stat}; empty when there is no
     * such process or it is a zombie (dead, not yet reaped).
     */
    static OptionalLong startTicks(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"),
                    StandardCharsets.US_ASCII);
        } catch (IOException | java.io.UncheckedIOException e) {
            return OptionalLong.empty();
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields resume after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] f = stat.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state); field 22 (starttime) is f[19].
        if (f.length < 20 || f[0].equals("Z") || f[0].equals("X")) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(f[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String toString() {
        return "pid=" + pid + " start=" + startTicks;
    }
}
