package io.shm4j.cli;

import io.shm4j.segment.SegmentInfo;
import java.nio.file.Path;
import java.util.Map;

/** The CLI's use of the frame layer: put, export, head and info of data frames. */
final class Frames {
    private Frames() {}

    static boolean handles(String lowerCaseFileName) {
        return lowerCaseFileName.endsWith(".csv") || lowerCaseFileName.endsWith(".arrow")
                || lowerCaseFileName.endsWith(".feather") || lowerCaseFileName.endsWith(".ipc");
    }

    static String put(Path file, String name) {
        throw new io.shm4j.Shm4jException("data frames are not available in this build: file=" + file);
    }

    static void export(SegmentInfo info, Path file) {
        throw new io.shm4j.Shm4jException("data frames are not available in this build: name=" + info.name());
    }

    static void describe(SegmentInfo info, Map<String, Object> into) {
        // filled in by the frame layer
    }
}
