package io.shm4j.cli;

import io.shm4j.array.SharedArray;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentKind;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Describes what a segment holds (array dtype and shape, frame schema and rows). */
final class Contents {
    private Contents() {}

    static Map<String, Object> describe(SegmentInfo info) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (info.kind() == SegmentKind.ARRAY) {
            try (SharedArray a = SharedArray.attach(info.ref())) {
                m.put("dtype", a.dtype().numpyName());
                m.put("shape", Arrays.stream(a.shape()).boxed().toList());
            }
        } else if (info.kind() == SegmentKind.FRAME) {
            Frames.describe(info, m);
        }
        return m;
    }
}
