package io.shm4j.cli;

import io.shm4j.store.StoreAdmin;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.store.StoredObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shm4j ls}: the segments in the shm directory. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List shm4j segments: name, kind, size, owner pid, owner alive, lifetime, age.")
final class LsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-a", "--all"}, description = "Also list files shm4j did not create (kind foreign).")
    boolean all;

    @Option(names = "--json", description = "One JSON array of objects, for scripts.")
    boolean json;

    /** Where the listing goes: the command line's output (the fast path of {@link Main} sets it). */
    java.io.PrintWriter out;

    /** Where skipped stores are reported: the command line's error output (the fast path sets it). */
    java.io.PrintWriter err;

    @Override
    public Integer call() {
        ShmDirectory dir = ShmDirectory.current();
        List<SegmentInfo> infos = all ? dir.listAll() : dir.list();
        Map<String, StoredObject> objects = new LinkedHashMap<>();
        Map<String, String> storeOf = new LinkedHashMap<>();
        StoreReport stores = new StoreReport(this.err != null ? this.err : spec.commandLine().getErr(), dir);
        for (String store : StoreAdmin.storeNames(dir)) {
            List<StoredObject> list = stores.read(store, () -> StoreAdmin.objects(dir, store));
            for (StoredObject o : list == null ? List.<StoredObject>of() : list) {
                objects.put(o.name(), o);
                storeOf.put(o.name(), store);
            }
        }
        var out = this.out != null ? this.out : spec.commandLine().getOut();
        if (json) {
            List<Object> list = new ArrayList<>();
            for (SegmentInfo i : infos) {
                Map<String, Object> m = toMap(i);
                if (i.kind() == io.shm4j.segment.SegmentKind.DATASET) {
                    Datasets.addJson(dir, i, m);
                }
                StoredObject o = objects.remove(i.name());
                if (o != null) {
                    addObject(m, storeOf.get(o.name()), o);
                }
                list.add(m);
            }
            for (StoredObject o : objects.values()) { // spilled: on disk only
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", o.name());
                m.put("kind", "object");
                m.put("size", o.size());
                addObject(m, storeOf.get(o.name()), o);
                list.add(m);
            }
            out.println(Json.write(list));
            return stores.status();
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "KIND", "SIZE", "OWNER", "ALIVE", "LIFETIME", "AGE"});
        Instant now = Instant.now();
        long total = 0;
        for (SegmentInfo i : infos) {
            total += i.size();
            rows.add(new String[] {Text.escape(i.name()), i.kind().label(), Format.bytes(i.size()),
                i.owner() == null ? "-" : Long.toString(i.owner().pid()),
                i.foreign() ? "-" : i.ownerAlive() ? "yes" : "no",
                i.lifetime() == null ? "-" : i.lifetime().name().toLowerCase(java.util.Locale.ROOT),
                Format.age(Duration.between(i.created(), now))});
        }
        out.print(Format.table(rows));
        out.println(infos.size() + " segment(s), " + Format.bytes(total) + " in " + dir.path()
                + " (" + Format.bytes(dir.freeBytes()) + " free)");
        Datasets.printTable(dir, out);
        if (!objects.isEmpty()) {
            List<String[]> orows = new ArrayList<>();
            orows.add(new String[] {"STORE", "OBJECT", "SIZE", "CODEC", "PINS", "WHERE", "LAST ACCESS"});
            for (StoredObject o : objects.values()) {
                orows.add(new String[] {storeOf.get(o.name()), Text.escape(o.name()), Format.bytes(o.size()), o.codec(),
                    Integer.toString(o.pins().size()), where(o),
                    Format.age(Duration.between(o.lastAccess(), now)) + " ago"});
            }
            out.println();
            out.print(Format.table(orows));
        }
        return stores.status();
    }

    private static String where(StoredObject o) {
        return o.inMemory() ? (o.spillCopy() ? "memory+disk" : "memory") : "spilled";
    }

    private static void addObject(Map<String, Object> m, String store, StoredObject o) {
        m.put("store", store);
        m.put("codec", o.codec());
        m.put("pins", o.pins().size());
        m.put("inMemory", o.inMemory());
        m.put("spillCopy", o.spillCopy());
        m.put("lastAccess", o.lastAccess().toString());
    }

    static Map<String, Object> toMap(SegmentInfo i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", i.name());
        m.put("kind", i.kind().label());
        m.put("size", i.size());
        m.put("ownerPid", i.owner() == null ? null : i.owner().pid());
        m.put("ownerStart", i.owner() == null ? null : i.owner().startTicks());
        m.put("ownerAlive", i.foreign() ? null : i.ownerAlive());
        m.put("lifetime", i.lifetime() == null ? null : i.lifetime().name().toLowerCase(java.util.Locale.ROOT));
        m.put("created", i.created().toString());
        m.put("ageSeconds", Duration.between(i.created(), Instant.now()).toSeconds());
        m.put("mode", String.format("%04o", i.mode()));
        m.put("mutable", i.mutable());
        m.put("generation", i.foreign() ? null : Long.toHexString(i.generation()));
        m.put("path", i.path().toString());
        return m;
    }
}
