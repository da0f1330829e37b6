package io.shm4j.cli;

import io.shm4j.segment.SegmentException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's login session: the session id, field 6 of {@code /proc/self/stat}, is the pid of its leader. */
final class Session {
    private Session() {}

    /** The pid of this process's session leader. */
    static long leaderPid() {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new SegmentException("cannot read this process's session: path=/proc/self/stat, error=" + e
                    + "; use --owner-pid or leave the segment persistent");
        }
        // "pid (comm) state ppid pgrp session ...": fields resume after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long sid = Long.parseLong(f[3]);
        if (sid <= 0) {
            throw new SegmentException("this process has no session leader: session=" + sid
                    + "; use --owner-pid or leave the segment persistent");
        }
        return sid;
    }
}
