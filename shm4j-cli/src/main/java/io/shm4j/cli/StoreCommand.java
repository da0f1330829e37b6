package io.shm4j.cli;

import io.shm4j.store.StoreAdmin;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.store.StoreStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shm4j store stats}: the object stores in the shm directory. */
@Command(name = "store", mixinStandardHelpOptions = true, description = "Object store commands.",
        subcommands = StoreCommand.Stats.class)
final class StoreCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try `shm4j store stats`");
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Capacity, use, objects, evictions, spills and restores of each object store.")
    static final class Stats implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--json", description = "One JSON array of objects, for scripts.")
        boolean json;

        @Override
        public Integer call() {
            ShmDirectory dir = ShmDirectory.current();
            List<StoreStats> all = new ArrayList<>();
            StoreReport report = new StoreReport(spec.commandLine().getErr(), dir);
            for (String name : StoreAdmin.storeNames(dir)) {
                StoreStats s = report.read(name, () -> StoreAdmin.stats(dir, name));
                if (s != null) {
                    all.add(s);
                }
            }
            var out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.write(all.stream().map(Stats::toMap).toList()));
                return report.status();
            }
            if (all.isEmpty()) {
                out.println("no object stores in " + dir.path());
                return report.status();
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"STORE", "CAPACITY", "USED", "PINNED", "OBJECTS", "SPILLED", "MEMBERS",
                "EVICTIONS", "SPILLS", "RESTORES"});
            for (StoreStats s : all) {
                rows.add(new String[] {s.store(), Format.bytes(s.capacity()), Format.bytes(s.used()),
                    Format.bytes(s.pinned()), Integer.toString(s.objects()),
                    s.spilledObjects() + " (" + Format.bytes(s.spilledBytesOnDisk()) + ")",
                    Integer.toString(s.members()), Long.toString(s.evictions()), Long.toString(s.spills()),
                    Long.toString(s.restores())});
            }
            out.print(Format.table(rows));
            return report.status();
        }

        static Map<String, Object> toMap(StoreStats s) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("store", s.store());
            m.put("capacity", s.capacity());
            m.put("used", s.used());
            m.put("pinned", s.pinned());
            m.put("objects", s.objects());
            m.put("spilledObjects", s.spilledObjects());
            m.put("spilledBytesOnDisk", s.spilledBytesOnDisk());
            m.put("members", s.members());
            m.put("evictions", s.evictions());
            m.put("spills", s.spills());
            m.put("restores", s.restores());
            m.put("evictedBytes", s.evictedBytes());
            m.put("spilledBytes", s.spilledBytes());
            m.put("restoredBytes", s.restoredBytes());
            return m;
        }
    }
}
