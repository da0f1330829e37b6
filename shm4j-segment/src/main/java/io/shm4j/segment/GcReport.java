package io.shm4j.segment;

import java.util.List;

/**
 * What a garbage collection of the shm directory removed (or, on a dry run, would remove).
 *
 * @param segments scoped segments whose owner is dead
 * @param tempFiles temporary files of creations that never published, whose creator is dead
 * @param bytes bytes those files held
 * @param dryRun true if nothing was removed
 */
public record GcReport(List<String> segments, List<String> tempFiles, long bytes, boolean dryRun) {
    public GcReport {
        segments = List.copyOf(segments);
        tempFiles = List.copyOf(tempFiles);
    }

    /** Number of files removed (or that would be). */
    public int count() {
        return segments.size() + tempFiles.size();
    }
}
