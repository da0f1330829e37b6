package io.shm4j.dataset;

import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentKind;
import java.time.Instant;
import java.util.List;

/**
 * What the shm directory says about one dataset: a snapshot.
 *
 * @param control the control segment
 * @param versionKind array or frame
 * @param current the current version number (0: none yet)
 * @param publishCount how many versions were published
 * @param lastPublish when the last one was (null if never)
 * @param writer pid of the live writer holding the lock, or 0
 * @param versions the version segments that exist, by number (normally only the current one;
 *     older ones until their writer or gc removes them)
 */
public record DatasetInfo(SegmentInfo control, SegmentKind versionKind, long current, long publishCount,
        Instant lastPublish, long writer, List<SegmentInfo> versions) {
    public DatasetInfo {
        versions = List.copyOf(versions);
    }

    /** The dataset's name. */
    public String name() {
        return control.name();
    }

    /** The current version's segment, if it exists. */
    public java.util.Optional<SegmentInfo> currentVersion() {
        String n = DatasetLayout.versionName(name(), current);
        return versions.stream().filter(v -> v.name().equals(n)).findFirst();
    }

    /** Bytes held by the control segment and every version segment present. */
    public long bytes() {
        return control.size() + versions.stream().mapToLong(SegmentInfo::size).sum();
    }
}
