package io.shm4j.cli;

import io.shm4j.store.StoreAdmin;
import io.shm4j.segment.GcReport;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.store.StoreSweep;
import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shm4j gc}: reclaim what dead processes left behind. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Remove scoped segments whose owner is dead and unfinished creations of dead"
                + " processes. Never touches live owners' segments, persistent segments or foreign files.")
final class GcCommand implements Callable<Integer> {
    /** How long gc waits for a store another process holds locked before skipping it as busy. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(2);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-n", "--dry-run"}, description = "Only list what would be removed.")
    boolean dryRun;

    @Option(names = "--json", description = "One JSON object, for scripts.")
    boolean json;

    @Override
    public Integer call() {
        ShmDirectory dir = ShmDirectory.current();
        StoreReport report = new StoreReport(spec.commandLine().getErr(), dir);
        List<String> stores;
        if (dryRun) {
            stores = StoreAdmin.abandoned(dir);
        } else {
            StoreSweep sweep = StoreAdmin.sweep(dir, LOCK_WAIT);
            stores = sweep.removed();
            sweep.skipped().forEach((name, why) -> {
                if (!StoreAdmin.unusableStores(dir).containsKey(name)) { // those are reported already
                    report.skip(name, why);
                }
            });
        }
        GcReport r = dir.gc(dryRun);
        io.shm4j.dataset.DatasetGcReport d = io.shm4j.dataset.DatasetAdmin.gc(dir, dryRun);
        var out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dryRun", r.dryRun());
            m.put("segments", r.segments());
            m.put("tempFiles", r.tempFiles());
            m.put("bytes", r.bytes());
            m.put("stores", stores);
            m.put("datasetSegments", d.removed());
            m.put("busyDatasets", d.busy());
            out.println(Json.write(m));
            return report.status();
        }
        String verb = dryRun ? "would remove" : "removed";
        for (String s : r.segments()) {
            out.println(verb + " segment " + Text.escape(s));
        }
        for (String s : stores) {
            out.println(verb + " abandoned object store " + s);
        }
        for (String t : r.tempFiles()) {
            out.println(verb + " unfinished " + Text.escape(t));
        }
        for (String s : d.removed()) {
            out.println(verb + " dataset segment " + Text.escape(s));
        }
        for (String s : d.busy()) {
            out.println("skipped dataset " + Text.escape(s) + " (a writer holds its lock)");
        }
        out.println(verb + " " + (r.count() + d.removed().size()) + " file(s), " + Format.bytes(r.bytes() + d.bytes()));
        return report.status();
    }
}
