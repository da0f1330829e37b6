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

    /** The first bytes of a .npy file. */
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** The first bytes of an Arrow IPC file. */
    private static final byte[] ARROW_MAGIC = {'A', 'R', 'R', 'O', 'W', '1'};

    /** An array: of kind array, or a foreign file that starts like a .npy file. */
    static boolean isArray(SegmentInfo info) {
        return info.kind() == SegmentKind.ARRAY || (info.kind() == SegmentKind.FOREIGN && startsWith(info, NPY_MAGIC));
    }

    /** A frame: of kind frame, or a foreign file that starts like an Arrow IPC file. */
    static boolean isFrame(SegmentInfo info) {
        return info.kind() == SegmentKind.FRAME || (info.kind() == SegmentKind.FOREIGN && startsWith(info, ARROW_MAGIC));
    }

    private static boolean startsWith(SegmentInfo info, byte[] magic) {
        if (info.size() < magic.length) {
            return false;
        }
        try (io.shm4j.segment.Segment s = io.shm4j.segment.Segment.attach(info.ref(), io.shm4j.segment.Access.READ_ONLY)) {
            for (int i = 0; i < magic.length; i++) {
                if (s.memory().get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) != magic[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    static Map<String, Object> describe(SegmentInfo info, boolean json) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (isArray(info)) {
            try (SharedArray a = SharedArray.attach(info.ref())) {
                m.put("dtype", a.dtype().numpyName());
                m.put("shape", Arrays.stream(a.shape()).boxed().toList());
                if (a.dtype() == io.shm4j.array.DType.RECORD) {
                    Map<String, Object> fields = new LinkedHashMap<>();
                    a.recordType().fields().forEach(f -> fields.put(f.name(), f.typeName()));
                    m.put("fields", fields);
                    m.put("itemsize", a.recordType().itemSize());
                }
            }
        } else if (isFrame(info)) {
            Frames.describe(info, m, json);
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
