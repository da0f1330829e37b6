package io.shm4j.cli;

import io.shm4j.array.SharedArray;
import io.shm4j.list.SharedList;
import io.shm4j.segment.Access;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentKind;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Describes what a segment holds (array dtype and shape, frame schema and rows, list items). */
final class Contents {
    /** Items of a list shown by {@code info}. */
    private static final int MAX_ITEMS = 50;

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
        } else if (info.kind() == SegmentKind.DATASET) {
            Datasets.describe(info, m);
        } else if (info.kind() == SegmentKind.LIST) {
            try (SharedList l = SharedList.attach(info.name(), Access.READ_ONLY)) {
                m.put("items", l.size());
                List<Object> values = new ArrayList<>();
                for (int i = 0; i < Math.min(l.size(), MAX_ITEMS); i++) {
                    Object v = l.get(i);
                    values.add(v instanceof byte[] b ? "b'" + HexFormat.of().formatHex(b) + "' (hex)" : v);
                }
                m.put("values", values);
            }
        }
        return m;
    }
}
