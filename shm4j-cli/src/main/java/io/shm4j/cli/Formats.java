package io.shm4j.cli;

/** The file types the CLI reads and writes, named the same way in every error. */
final class Formats {
    private Formats() {}

    /** What put accepts. */
    static final String ACCEPTED_FOR_PUT =
            "put takes .npy (array), .csv, .arrow, .feather, .ipc or .arrows (frame)";

    /** What head, info and export read from the shm directory. */
    static final String CONTENTS = "shm4j reads arrays (.npy bytes) and frames (Arrow IPC: .arrow, .feather, .ipc),"
            + " and loads .npy, .csv, .arrow, .feather, .ipc or .arrows files with `shm4j put`";

    /** What export writes. */
    static final String ACCEPTED_FOR_EXPORT =
            "export writes an array to .npy, a frame to .csv, .arrow, .feather or .ipc";
}
