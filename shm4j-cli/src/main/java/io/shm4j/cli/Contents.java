package io.shm4j.cli;

import io.shm4j.segment.SegmentInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/** Describes what a segment holds (array dtype and shape, frame schema and rows). */
final class Contents {
    private Contents() {}

    static Map<String, Object> describe(SegmentInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        return m;
    }
}
