package io.shm4j.store;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A second JVM for the multi-process tests.
 *
 * <pre>
 *   pin STORE NAME GEN SIZE      get the object, print "pinned", wait for stdin to close
 *   getput STORE NAME GEN SIZE   get the object (restoring it if spilled), check it, release it, put and
 *                                release a 1 MiB blob, print "ok INTACT" and exit
 *   put STORE SIZE               put and release a blob of SIZE bytes, print "ok" and exit
 *   hammer STORE CAP SPILL REFDIR WORKER SECONDS [MIN_PUTS]
 *                                put checksummed blobs (up to 256 KiB; at most 3 pinned at once) and publish their refs in REFDIR,
 *                                get random refs of every worker and check them, for SECONDS after the store opened and at
 *                                least MIN_PUTS puts (a negative SECONDS: until killed); print counts
 * </pre>
 */
public final class StoreChild {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "pin" -> pin(args);
            case "hammer" -> hammer(args);
            case "getput" -> getput(args);
            case "put" -> put(args);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void pin(String[] a) throws Exception {
        try (ObjectStore store = ObjectStore.open(a[1])) {
            ObjectRef<MemorySegment> ref = new ObjectRef<>(a[1], a[2], Long.parseUnsignedLong(a[3], 16),
                    Long.parseLong(a[4]), "blob");
            MemorySegment view = store.get(ref);
            System.out.println("pinned " + StoreTesting.intact(view));
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in)).readLine(); // until killed or stdin closes
        }
    }

    private static void put(String[] a) throws Exception {
        try (ObjectStore store = ObjectStore.open(a[1]); Arena arena = Arena.ofConfined()) {
            store.release(store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(9, Integer.parseInt(a[2])))));
            System.out.println("ok");
        }
    }

    private static void getput(String[] a) throws Exception {
        try (ObjectStore store = ObjectStore.open(a[1]); Arena arena = Arena.ofConfined()) {
            ObjectRef<MemorySegment> ref = new ObjectRef<>(a[1], a[2], Long.parseUnsignedLong(a[3], 16),
                    Long.parseLong(a[4]), "blob");
            boolean intact = StoreTesting.intact(store.get(ref));
            store.release(ref);
            ObjectRef<MemorySegment> mine = store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(7, 1 << 20)));
            intact &= StoreTesting.intact(store.get(mine));
            store.release(mine);
            store.release(mine);
            System.out.println("ok " + intact);
        }
    }

    private static void hammer(String[] a) throws Exception {
        ObjectStoreConfig config = ObjectStoreConfig.named(a[1]).withCapacity(Long.parseLong(a[2]))
                .withSpillDirectory(Path.of(a[3]));
        Path refDir = Path.of(a[4]);
        int worker = Integer.parseInt(a[5]);
        double seconds = Double.parseDouble(a[6]);
        int minPuts = a.length > 7 ? Integer.parseInt(a[7]) : 0;
        SplittableRandom random = new SplittableRandom(worker * 7919L + System.nanoTime());
        int puts = 0;
        int gets = 0;
        ObjectRef<MemorySegment> kept = null;
        try (ObjectStore store = ObjectStore.open(config); Arena arena = Arena.ofShared()) {
            System.out.println("started");
            System.out.flush();
            // Timed from the open, and a floor of puts: a slow start on a loaded machine changes
            // how long the run takes, never how much it does.
            long deadline = seconds < 0 ? Long.MAX_VALUE : System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < deadline || puts < minPuts) {
                int size = 8 * 1024 + random.nextInt(248 * 1024);
                ObjectRef<MemorySegment> ref = store.put(
                        StoreTesting.offHeap(arena, StoreTesting.checksummed(random.nextLong(), size)));
                publish(refDir, worker, puts++, ref);
                if (kept != null) { // keep at most one put pinned besides the one in progress
                    store.release(kept);
                }
                kept = random.nextBoolean() ? ref : null;
                if (kept == null) {
                    store.release(ref);
                }
                for (int i = 0; i < 3; i++) {
                    List<Path> refs = listRefs(refDir);
                    if (refs.isEmpty()) {
                        continue;
                    }
                    ObjectRef<MemorySegment> other = read(refs.get(random.nextInt(refs.size())));
                    MemorySegment view = store.get(other);
                    if (!StoreTesting.intact(view)) {
                        System.out.println("CORRUPT " + other);
                        System.exit(3);
                    }
                    gets++;
                    store.release(other);
                }
            }
        }
        System.out.println("done puts=" + puts + " gets=" + gets);
    }

    static void publish(Path dir, int worker, int n, ObjectRef<?> ref) throws Exception {
        Path tmp = dir.resolve(".tmp-" + worker + "-" + n);
        try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(tmp))) {
            out.writeObject(ref);
        }
        Files.move(tmp, dir.resolve(worker + "-" + n + ".ref"), StandardCopyOption.ATOMIC_MOVE);
    }

    static List<Path> listRefs(Path dir) throws Exception {
        List<Path> out = new ArrayList<>();
        try (var s = Files.newDirectoryStream(dir, "*.ref")) {
            s.forEach(out::add);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static ObjectRef<MemorySegment> read(Path file) throws Exception {
        try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(file))) {
            return (ObjectRef<MemorySegment>) in.readObject();
        }
    }
}
