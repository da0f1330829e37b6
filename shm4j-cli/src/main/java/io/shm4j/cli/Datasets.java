package io.shm4j.cli;

import io.shm4j.dataset.DatasetAdmin;
import io.shm4j.dataset.DatasetInfo;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.ShmDirectory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The CLI's view of live datasets: a table for {@code ls}, versions for {@code info}. */
final class Datasets {
    private Datasets() {}

    /** The datasets table of {@code ls}, or nothing when there are none. */
    static void printTable(ShmDirectory dir, java.io.PrintWriter out) {
        List<DatasetInfo> all = DatasetAdmin.list(dir);
        if (all.isEmpty()) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DATASET", "OF", "CURRENT", "SIZE", "VERSIONS", "PUBLISHED", "LAST PUBLISH"});
        Instant now = Instant.now();
        for (DatasetInfo d : all) {
            rows.add(new String[] {d.name(), d.versionKind().label() + "s", d.current() == 0 ? "-" : "v" + d.current(),
                d.currentVersion().map(v -> Format.bytes(v.size())).orElse("-"), Integer.toString(d.versions().size()),
                Long.toString(d.publishCount()),
                d.lastPublish() == null ? "-" : Format.age(Duration.between(d.lastPublish(), now)) + " ago"});
        }
        out.println();
        out.print(Format.table(rows));
    }

    /** The {@code ls --json} fields of a dataset's control segment. */
    static void addJson(ShmDirectory dir, SegmentInfo control, Map<String, Object> m) {
        try {
            DatasetInfo d = DatasetAdmin.info(dir, control.name());
            m.put("versionKind", d.versionKind().label());
            m.put("currentVersion", d.current());
        } catch (RuntimeException e) {
            // vanished or damaged meanwhile: `shm4j info` says which
        }
    }

    /** What {@code info NAME} shows about a dataset. */
    static void describe(SegmentInfo control, Map<String, Object> m) {
        DatasetInfo d = DatasetAdmin.info(ShmDirectory.current(), control.name());
        m.put("versionKind", d.versionKind().label());
        m.put("currentVersion", d.current());
        m.put("publishCount", d.publishCount());
        m.put("lastPublish", d.lastPublish() == null ? null : d.lastPublish().toString());
        m.put("writer", d.writer() == 0 ? null : d.writer());
        List<Object> versions = new ArrayList<>();
        for (SegmentInfo v : d.versions()) {
            Map<String, Object> vm = new LinkedHashMap<>();
            vm.put("segment", v.name());
            vm.put("size", v.size());
            vm.put("created", v.created().toString());
            vm.put("current", v.name().equals(d.currentVersion().map(SegmentInfo::name).orElse(null)));
            versions.add(vm);
        }
        m.put("versions", versions);
    }
}
