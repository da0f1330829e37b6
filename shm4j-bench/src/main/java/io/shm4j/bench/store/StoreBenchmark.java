package io.shm4j.bench.store;

import io.shm4j.store.ObjectRef;
import io.shm4j.store.ObjectStore;
import io.shm4j.store.ObjectStoreConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The object store's targets, measured in one run (docs/store.md; issue 7):
 *
 * <ul>
 *   <li>{@code put} of a large blob vs a plain memory copy of the same size (into memory
 *       already touched, and into freshly allocated memory);</li>
 *   <li>{@code get} latency: first get in a process (pin, map, verify) and a repeated get;
 *       no data is touched;</li>
 *   <li>spill and restore throughput vs the disk's sequential write and read speed
 *       (FileChannel, same directory; both sides fdatasync'ed, the baseline file kept until
 *       the spill ran; reads of the same spill file in the same cache state);</li>
 *   <li>{@code ray.put} / {@code ray.get} of a numpy array of the same size in a Python
 *       subprocess (skipped with {@code --no-ray}).</li>
 * </ul>
 *
 * Usage: {@code StoreBenchmark [--size-mb N] [--spill DIR] [--reps N] [--warmup N] [--no-ray] [--spill-only | --put-only]}. Default
 * 100 MB. Needs about 4x the size in the shm directory and 2x on the spill disk. {@code --spill DIR}
 * (default: {@code java.io.tmpdir}) is where a fresh private directory is made for the run's spill
 * and baseline files ({@code Files.createTempDirectory}: never an existing path, so nothing
 * planted in a shared {@code /tmp} is followed), removed at the end with all it holds.
 */
public final class StoreBenchmark {
    private static final int CHUNK = 8 << 20;

    private StoreBenchmark() {}

    public static void main(String[] args) throws Exception {
        long sizeMb = 100;
        Path spillParent = Path.of(System.getProperty("java.io.tmpdir"));
        int reps = 5;
        int warmup = 12;
        boolean ray = true;
        boolean spillOnly = false;
        boolean putOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--size-mb" -> sizeMb = Long.parseLong(args[++i]);
                case "--spill" -> spillParent = Path.of(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--no-ray" -> ray = false;
                case "--spill-only" -> spillOnly = true;
                case "--put-only" -> putOnly = true;
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]
                        + "; usage: [--size-mb N] [--spill DIR] [--reps N] [--warmup N] [--no-ray] [--spill-only] [--put-only]");
            }
        }
        long size = sizeMb << 20;
        Path spill = Files.createTempDirectory(spillParent, "shm4j-bench-spill-");
        System.out.printf(Locale.ROOT, "object store benchmark: size=%d MB, reps=%d, spill=%s%n", sizeMb, reps, spill);
        try (Arena arena = Arena.ofShared()) {
            // a Java array, as a Java caller puts: with -XX:+UseTransparentHugePages on huge pages,
            // as NumPy allocates the array that ray.put is given (madvise(MADV_HUGEPAGE) by default)
            MemorySegment source = size <= Integer.MAX_VALUE - 16 ? MemorySegment.ofArray(new byte[(int) size])
                    : arena.allocate(size, 64);
            fill(source);
            System.out.printf(Locale.ROOT, "source: %s, %d MB of this process on transparent huge pages%n",
                    source.isNative() ? "native memory" : "a Java byte[]", anonHugeMb());
            if (!spillOnly) {
                putVersusCopy(source, reps, warmup, arena, ray);
                getLatency(source);
            }
            if (!putOnly) {
                spillAndRestore(source, spill, reps);
                restoreSteady(source, spill, reps);
            }
        } finally {
            deleteTree(spill);
        }
        if (ray && !spillOnly && !putOnly) {
            ray(sizeMb, reps);
        }
    }

    // ------------------------------------------------------------------ put vs copy

    /**
     * put against its peers, in two interleaved loops (rep by rep, so that load from other
     * processes hits all of a loop's contenders alike).
     *
     * <p>The headline loop: a warm memory copy (into memory touched before), put with the
     * defaults, and {@code ray.put} of a NumPy array of the same size in a Python helper driven
     * line by line (started before, so its start-up is not in any time), each starting with the
     * machine quiet: nothing of the other contenders runs in the background (the diagnostic
     * stores of the second loop free 500 MB per put on a background thread, which used to overlap
     * the next rep's put).
     *
     * <p>The diagnostic loop, against a warm copy again: put without page stock
     * ({@code shm4j.store.recycle=false}), put into page stock with {@code pwrite} only, keeping no
     * mappings ({@code shm4j.store.keepMappings=false}), and put copying through the object's
     * mapping as before issue 20's kernel writes ({@code shm4j.store.kernelWrites=false}, with
     * page stock), a store each.
     *
     * <p>Each store holds two objects: from the third put on, every put evicts the least recently
     * used object and (with page stock) writes into its pages — with the defaults through the
     * mapping this process kept of it, which a background thread touched meanwhile. {@code warmup}
     * puts per store run first (interleaved; the default store's times printed), then the
     * {@code reps} measured ones. The first put on an empty store is reported apart.
     */
    private static void putVersusCopy(MemorySegment source, int reps, int warmup, Arena arena, boolean withRay)
            throws IOException {
        long size = source.byteSize();
        long capacity = 2 * size + (1 << 20);
        MemorySegment warm = arena.allocate(size, 64);
        MemorySegment.copy(source, 0, warm, 0, size);
        double[] copyWarm = new double[reps];
        double[] put = new double[reps];
        double[] rayPut = new double[reps];
        double first;
        try (RayHelper ray = withRay ? RayHelper.start(size) : null;
                ObjectStore store = ObjectStore.open(config("put").withCapacity(capacity))) {
            long t0 = System.nanoTime();
            store.release(store.put(source));
            first = seconds(t0);
            StringBuilder warmups = new StringBuilder();
            for (int i = 0; i < warmup + 1; i++) { // the first fills the store; then into the steady state
                t0 = System.nanoTime();
                store.release(store.put(source));
                warmups.append(String.format(Locale.ROOT, " %.0f", seconds(t0) * 1e3));
                if (ray != null) {
                    ray.put();
                }
            }
            System.out.printf(Locale.ROOT, "warm-up puts (defaults: page stock, kept mappings), ms:%s%n", warmups);
            for (int r = 0; r < reps; r++) {
                t0 = System.nanoTime();
                MemorySegment.copy(source, 0, warm, 0, size);
                copyWarm[r] = seconds(t0);
                t0 = System.nanoTime();
                ObjectRef<MemorySegment> ref = store.put(source);
                put[r] = seconds(t0);
                store.release(ref);
                rayPut[r] = ray == null ? Double.NaN : ray.put();
            }
            System.out.printf(Locale.ROOT, "store stats (page stock): %s%n", store.stats());
        }
        double c = median(copyWarm);
        double p = median(put);
        System.out.printf(Locale.ROOT, "interleaved, %d reps, medians (min..max):%n", reps);
        line("copy (warm)", copyWarm, size, "");
        line("put (steady, defaults)", put, size, String.format(Locale.ROOT, "put/copy = %.2fx (target <= 1.3x; page stock, kept mappings)", p / c));
        if (withRay) {
            double y = median(rayPut);
            line("ray.put", rayPut, size, String.format(Locale.ROOT, "put/ray.put = %.2fx (target < 1)", p / y));
        }
        System.out.printf(Locale.ROOT, "first put, empty store  %8.1f ms  %6.2f GB/s   = %.2fx copy%n", first * 1e3,
                gbps(size, first), first / c);
        putDiagnostics(source, warm, reps, warmup, capacity);
    }

    /** The second loop of {@link #putVersusCopy}: put without page stock, pwrite only, through the mapping. */
    private static void putDiagnostics(MemorySegment source, MemorySegment warm, int reps, int warmup, long capacity) {
        long size = source.byteSize();
        double[] copyWarm = new double[reps];
        double[] putFresh = new double[reps];
        double[] putMapped = new double[reps];
        double[] putKept = new double[reps];
        System.setProperty("shm4j.store.recycle", "false");
        ObjectStore fresh = ObjectStore.open(config("put-fresh").withCapacity(capacity));
        System.clearProperty("shm4j.store.recycle");
        System.setProperty("shm4j.store.kernelWrites", "false");
        ObjectStore mapped = ObjectStore.open(config("put-mapped").withCapacity(capacity));
        System.clearProperty("shm4j.store.kernelWrites");
        System.setProperty("shm4j.store.keepMappings", "false");
        ObjectStore kept = ObjectStore.open(config("put-pwrite").withCapacity(capacity));
        System.clearProperty("shm4j.store.keepMappings");
        try (fresh; mapped; kept) {
            fresh.release(fresh.put(source));
            kept.release(kept.put(source));
            for (int i = 0; i < 3; i++) {
                mapped.release(mapped.put(source));
            }
            for (int i = 0; i < Math.max(2, warmup / 2); i++) {
                kept.release(kept.put(source));
                fresh.release(fresh.put(source));
            }
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                MemorySegment.copy(source, 0, warm, 0, size);
                copyWarm[r] = seconds(t0);
                t0 = System.nanoTime();
                ObjectRef<MemorySegment> ref = fresh.put(source);
                putFresh[r] = seconds(t0);
                fresh.release(ref);
                t0 = System.nanoTime();
                ref = kept.put(source);
                putKept[r] = seconds(t0);
                kept.release(ref);
                t0 = System.nanoTime();
                ref = mapped.put(source);
                putMapped[r] = seconds(t0);
                mapped.release(ref);
            }
        }
        double c = median(copyWarm);
        System.out.printf(Locale.ROOT, "diagnostics, interleaved, %d reps, medians (min..max):%n", reps);
        line("copy (warm)", copyWarm, size, "");
        line("put (stock, pwrite only)", putKept, size,
                String.format(Locale.ROOT, "= %.2fx copy (shm4j.store.keepMappings=false)", median(putKept) / c));
        line("put (steady, fresh pages)", putFresh, size, String.format(Locale.ROOT, "= %.2fx copy", median(putFresh) / c));
        line("put (steady, via mapping)", putMapped, size,
                String.format(Locale.ROOT, "= %.2fx copy (page stock, no kernel writes)", median(putMapped) / c));
    }

    private static void line(String what, double[] xs, long size, String note) {
        double[] c = xs.clone();
        Arrays.sort(c);
        double m = median(xs);
        System.out.printf(Locale.ROOT, "%-26s %8.1f ms (%6.1f..%6.1f)  %6.2f GB/s   %s%n", what, m * 1e3, c[0] * 1e3,
                c[c.length - 1] * 1e3, gbps(size, m), note);
    }

    /**
     * {@code ray.put} in a Python process driven line by line: {@code put} answers with the
     * seconds one {@code ray.put} of a NumPy array of the size took (its ref dropped right after,
     * and 100 ms given to Ray's asynchronous free, so every put finds the memory of the last one
     * free to reuse, as shm4j's finds its victim's). {@code SHM4J_PYTHON} picks the interpreter (one with ray).
     */
    private static final class RayHelper implements AutoCloseable {
        private static final String SCRIPT = """
                import shutil, sys, tempfile, time, numpy as np, ray
                size = int(sys.argv[1])
                arr = np.random.default_rng(1).integers(0, 255, size, dtype=np.uint8)
                tmp = tempfile.mkdtemp(prefix="shm4j-ray-")  # a private session dir, not /tmp/ray
                ray.init(num_cpus=1, include_dashboard=False, logging_level="ERROR", _temp_dir=tmp)
                ray.get(ray.put(np.zeros(1024)))
                ref = ray.put(arr); del ref
                print("ready", flush=True)
                for line in sys.stdin:
                    t0 = time.perf_counter(); ref = ray.put(arr); t = time.perf_counter() - t0
                    # freed at once, and time for Ray's asynchronous free to finish: a put that
                    # finds the last object's memory still taken takes fresh pages (2-4 s here)
                    ref = None
                    time.sleep(0.1)
                    print(t, flush=True)
                ray.shutdown()
                shutil.rmtree(tmp, ignore_errors=True)
                """;
        private final Process process;
        private final java.io.BufferedReader out;
        private final java.io.Writer in;

        private RayHelper(Process process) {
            this.process = process;
            this.out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        static RayHelper start(long size) throws IOException {
            String python = System.getenv().getOrDefault("SHM4J_PYTHON", "python3");
            Process p = new ProcessBuilder(python, "-c", SCRIPT, Long.toString(size))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            RayHelper h = new RayHelper(p);
            String first = h.out.readLine();
            if (!"ready".equals(first)) {
                p.destroyForcibly();
                System.out.println("ray: not available (" + python + " said: " + first + "); set SHM4J_PYTHON to a"
                        + " python with ray, or pass --no-ray");
                return null;
            }
            return h;
        }

        double put() throws IOException {
            in.write("put\n");
            in.flush();
            return Double.parseDouble(out.readLine().trim());
        }

        @Override
        public void close() {
            try {
                in.close();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }

    // ------------------------------------------------------------------ get

    private static void getLatency(MemorySegment source) {
        long size = source.byteSize();
        int warmup = 1000;
        int n = 2000;
        long[] first = new long[n];
        long[] repeated = new long[n];
        long[] release = new long[n];
        long sink = 0;
        try (ObjectStore store = ObjectStore.open(config("get").withCapacity(2 * size))) {
            ObjectRef<MemorySegment> ref = store.put(source);
            store.release(ref);
            for (int i = -warmup; i < n; i++) {
                long t0 = System.nanoTime();
                MemorySegment view = store.get(ref); // not pinned here: pin + map + verify
                long t1 = System.nanoTime();
                MemorySegment again = store.get(ref); // pinned here already
                long t2 = System.nanoTime();
                sink += view.byteSize() + again.byteSize();
                store.release(ref);
                store.release(ref); // unpin + unmap
                long t3 = System.nanoTime();
                if (i >= 0) {
                    first[i] = t1 - t0;
                    repeated[i] = t2 - t1;
                    release[i] = t3 - t2;
                }
            }
        }
        Arrays.sort(first);
        Arrays.sort(repeated);
        Arrays.sort(release);
        System.out.printf(Locale.ROOT, "get (first in process)  median %6.1f us  p99 %6.1f us (target <= 100 us)%n",
                first[n / 2] / 1e3, first[n * 99 / 100] / 1e3);
        System.out.printf(Locale.ROOT, "get (already pinned)    median %6.1f us  p99 %6.1f us%n",
                repeated[n / 2] / 1e3, repeated[n * 99 / 100] / 1e3);
        System.out.printf(Locale.ROOT, "last release (unmap)    median %6.1f us  p99 %6.1f us%n",
                release[n / 2] / 1e3, release[n * 99 / 100] / 1e3);
        if (sink == 42) {
            System.out.println();
        }
    }

    // ------------------------------------------------------------------ spill and restore vs disk

    /**
     * Spill and restore against the disk, on equal terms. Durability: both sides are made
     * durable with {@code fdatasync} ({@code FileChannel.force(false)}) inside the timing — the
     * baseline file after writing it, the spill file (the store itself does not sync spills)
     * right after the put that spilled it — so neither measures only the page cache. Memory:
     * both write into page-cache pages that a file of the same size has just given back (an
     * untimed ballast file is written, then deleted right before the baseline, and the baseline
     * file right before the spill): on this project's VM, writing 500 MB into pages freed long
     * ago costs ~5x writing into pages freed just before (the host has taken them back: 2.0 vs
     * 0.4 s with {@code dd}), so the two must start from the same state.
     * Reads: the baseline reads the very spill file that the restore then reads, in the same
     * cache state: warm, read once untimed first (a spill drops what it wrote from the cache;
     * reading both cold would need root-only {@code drop_caches}, which disturbs other processes).
     */
    private static void spillAndRestore(MemorySegment source, Path spill, int reps) throws IOException {
        long size = source.byteSize();
        // each rep twice: spill and restore as a two-thread pipeline (the default) and on one
        // thread (shm4j.store.ioPipeline=false), alternating which goes first
        int runs = 2 * reps;
        double[] write = new double[runs];
        double[] read = new double[runs];
        double[] spills = new double[reps];
        double[] restores = new double[reps];
        double[] spills1 = new double[reps];
        double[] restores1 = new double[reps];
        double[] copies = new double[runs];
        // capacity = size + 1 MiB: a 2 MiB put spills the big object (and is itself 2% of the
        // timing); a get restores the big one (spilling the small one, another 2%)
        MemorySegment tiny = MemorySegment.ofArray(new byte[2 << 20]);
        try (Arena arena = Arena.ofConfined();
                ObjectStore store = ObjectStore.open(config("spill").withCapacity(size + (1 << 20)).withSpillDirectory(spill))) {
            ReadBaseline readBaseline = ReadBaseline.allocate(arena, size);
            for (int r = 0; r < runs; r++) {
                boolean oneThread = (r % 2 == 0) == ((r / 2) % 2 == 0);
                System.setProperty("shm4j.store.ioPipeline", Boolean.toString(!oneThread));
                Path baseline = spill.resolve("disk-baseline-" + r);
                Path ballast = spill.resolve("disk-ballast-" + r);
                writeSynced(source, ballast);
                Files.delete(ballast); // its pages are the baseline's
                long t0 = System.nanoTime();
                writeSynced(source, baseline);
                write[r] = seconds(t0);

                ObjectRef<MemorySegment> big = store.put(source);
                store.release(big);
                Path spillFile = spill.resolve(store.name()).resolve(big.name() + ".spill");
                Files.delete(baseline); // its pages are the spill's
                t0 = System.nanoTime();
                ObjectRef<MemorySegment> small = store.put(tiny);
                try (FileChannel ch = FileChannel.open(spillFile, StandardOpenOption.WRITE)) {
                    ch.force(false); // the same durability as the baseline
                }
                (oneThread ? spills1 : spills)[r / 2] = seconds(t0);
                store.release(small);

                // the spill was written behind and dropped from the page cache: one untimed read
                // first, so that the baseline and the restore both read it warm
                readBaseline.time(spillFile, read, copies, r);
                readBaseline.time(spillFile, read, copies, r);
                t0 = System.nanoTime();
                MemorySegment back = store.get(big);
                (oneThread ? restores1 : restores)[r / 2] = seconds(t0);
                if (back.byteSize() != size) {
                    throw new AssertionError("restored size=" + back.byteSize());
                }
                store.release(big);
            }
            System.out.printf(Locale.ROOT, "store counters: %s%n", store.stats());
        } finally {
            System.clearProperty("shm4j.store.ioPipeline");
        }
        double w = median(write);
        double rd = median(read);
        double s = median(spills);
        double re = median(restores);
        double cp = median(copies);
        System.out.printf(Locale.ROOT, "durability: both fdatasync'ed (baseline: force after write; spill: the"
                + " spill file forced right after the put); reads: the same spill file, warm, for both%n");
        System.out.printf(Locale.ROOT, "disk write   %8.1f ms  %6.2f GB/s   (write + fdatasync)%n", w * 1e3, gbps(size, w));
        System.out.printf(Locale.ROOT, "spill        %8.1f ms  %6.2f GB/s   = %3.0f%% of disk write (target >= 90%%)%n",
                s * 1e3, gbps(size, s), 100 * w / s);
        System.out.printf(Locale.ROOT, "disk read    %8.1f ms  %6.2f GB/s   (the spill file)%n", rd * 1e3, gbps(size, rd));
        System.out.printf(Locale.ROOT, "restore      %8.1f ms  %6.2f GB/s   = %3.0f%% of disk read, %3.0f%% of disk read"
                + " + warm copy (%.1f ms) (target >= 80%%)%n", re * 1e3, gbps(size, re), 100 * rd / re, 100 * (rd + cp) / re,
                cp * 1e3);
        double s1 = median(spills1);
        double re1 = median(restores1);
        System.out.printf(Locale.ROOT, "one thread (shm4j.store.ioPipeline=false, same run): spill %.1f ms = %3.0f%% of disk write,"
                + " restore %.1f ms = %3.0f%% of disk read + warm copy%n", s1 * 1e3, 100 * w / s1, re1 * 1e3, 100 * (rd + cp) / re1);
    }

    /** {@code AnonHugePages} of this process, in MB ({@code /proc/self/smaps_rollup}), or -1. */
    private static long anonHugeMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
                if (line.startsWith("AnonHugePages:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no such line
        }
        return -1;
    }

    /** Writes {@code source} to a new file {@code file} and syncs it ({@code fdatasync}): the disk baseline. */
    private static void writeSynced(MemorySegment source, Path file) throws IOException {
        long size = source.byteSize();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long off = 0; off < size; off += CHUNK) {
                ByteBuffer b = source.asSlice(off, Math.min(CHUNK, size - off)).asByteBuffer();
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
            ch.force(false);
        }
    }

    /**
     * What a restore is measured against: reading the spill file (into warm memory) plus the warm
     * copy a restore adds to the read. Buffers allocated and touched once.
     */
    private record ReadBaseline(MemorySegment target, MemorySegment warm) {
        static ReadBaseline allocate(Arena arena, long size) {
            MemorySegment target = arena.allocate(size + (64 << 10), 4096);
            target.fill((byte) 0);
            MemorySegment warm = arena.allocate(size, 4096);
            warm.fill((byte) 0);
            return new ReadBaseline(target, warm);
        }

        /** Times the read of {@code spillFile} into {@code read[r]} and the copy into {@code copies[r]}. */
        void time(Path spillFile, double[] read, double[] copies, int r) throws IOException {
            long size = warm.byteSize();
            long t0 = System.nanoTime();
            long n = readFully(spillFile, target);
            read[r] = seconds(t0);
            if (n < size) {
                throw new AssertionError("spill file shorter than the object: bytes=" + n + ", size=" + size);
            }
            t0 = System.nanoTime();
            MemorySegment.copy(target, 0, warm, 0, size);
            copies[r] = seconds(t0);
        }
    }

    /** Reads {@code file} sequentially into {@code target} in CHUNK reads; returns the bytes read. */
    private static long readFully(Path file, MemorySegment target) throws IOException {
        long pos = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = Math.min(ch.size(), target.byteSize());
            while (pos < size) {
                ByteBuffer b = target.asSlice(pos, Math.min(CHUNK, size - pos)).asByteBuffer();
                int n = 0;
                while (b.hasRemaining() && (n = ch.read(b, pos + b.position())) >= 0) {
                    // keep reading
                }
                pos += b.position();
                if (n < 0) {
                    break;
                }
            }
        }
        return pos;
    }

    /**
     * Restore in the steady state of a store under pressure from objects of one size: two objects
     * A and B of {@code size} bytes, room for one. Once both have spill files, a get of the one on
     * disk drops the other (its spill file exists: nothing written) and restores into its pages,
     * through the mapping this process kept of that file (touched: the previous restore wrote
     * through it). Timed: each get, against reading the spill file plus a warm copy, interleaved.
     */
    private static void restoreSteady(MemorySegment source, Path spill, int reps) throws IOException, InterruptedException {
        long size = source.byteSize();
        double[] read = new double[2 * reps];
        double[] copies = new double[2 * reps];
        double[] restores = new double[2 * reps];
        try (Arena arena = Arena.ofConfined();
                ObjectStore store = ObjectStore.open(config("restore").withCapacity(size + (1 << 20)).withSpillDirectory(spill))) {
            ReadBaseline readBaseline = ReadBaseline.allocate(arena, size);
            ObjectRef<MemorySegment> a = store.put(source);
            store.release(a);
            ObjectRef<MemorySegment> b = store.put(source); // spills a
            store.release(b);
            for (int i = 0; i < 4; i++) { // both spilled once; the shared file's kept mapping touched
                ObjectRef<MemorySegment> ref = i % 2 == 0 ? a : b;
                store.get(ref);
                store.release(ref);
                Thread.sleep(2000); // the background touch of a recycled file (once per file)
            }
            for (int r = 0; r < 2 * reps; r++) {
                ObjectRef<MemorySegment> next = r % 2 == 0 ? a : b; // on disk now
                Path spillFile = spill.resolve(store.name()).resolve(next.name() + ".spill");
                readBaseline.time(spillFile, read, copies, r); // untimed: warms the page cache (see above)
                readBaseline.time(spillFile, read, copies, r);
                long t0 = System.nanoTime();
                MemorySegment back = store.get(next);
                restores[r] = seconds(t0);
                if (back.byteSize() != size) {
                    throw new AssertionError("restored size=" + back.byteSize());
                }
                store.release(next);
            }
            System.out.printf(Locale.ROOT, "store counters (steady restores): %s%n", store.stats());
        }
        double rd = median(read);
        double cp = median(copies);
        double re = median(restores);
        System.out.printf(Locale.ROOT, "restore, steady state (victim of the same size already on disk; its kept pages):"
                + " %.1f ms (%.1f..%.1f) = %3.0f%% of disk read + warm copy (%.1f + %.1f ms) (target >= 80%%)%n",
                re * 1e3, min(restores) * 1e3, max(restores) * 1e3, 100 * (rd + cp) / re, rd * 1e3, cp * 1e3);
    }

    private static double min(double[] a) {
        return java.util.Arrays.stream(a).min().orElse(Double.NaN);
    }

    private static double max(double[] a) {
        return java.util.Arrays.stream(a).max().orElse(Double.NaN);
    }

    // ------------------------------------------------------------------ ray

    private static final String RAY_SCRIPT = """
            import json, shutil, sys, tempfile, time, numpy as np, ray
            size, reps = int(sys.argv[1]), int(sys.argv[2])
            arr = np.random.default_rng(1).integers(0, 255, size, dtype=np.uint8)
            tmp = tempfile.mkdtemp(prefix="shm4j-ray-")  # a private session dir, not /tmp/ray
            t0 = time.perf_counter(); ray.init(num_cpus=1, include_dashboard=False, logging_level="ERROR", _temp_dir=tmp)
            init = time.perf_counter() - t0
            ray.get(ray.put(np.zeros(1024)))
            puts, gets, firsts, copies = [], [], [], []
            for _ in range(reps):
                t0 = time.perf_counter(); ref = ray.put(arr); puts.append(time.perf_counter() - t0)
                t0 = time.perf_counter(); v = ray.get(ref); firsts.append(time.perf_counter() - t0)
                for _ in range(50):
                    t0 = time.perf_counter(); v = ray.get(ref); gets.append(time.perf_counter() - t0)
                del v, ref
                t0 = time.perf_counter(); c = arr.copy(); copies.append(time.perf_counter() - t0); del c
            ray.shutdown()
            shutil.rmtree(tmp, ignore_errors=True)
            med = lambda xs: sorted(xs)[len(xs) // 2]
            print(json.dumps({"init_s": init, "put_s": med(puts), "get_first_s": med(firsts), "get_s": med(gets), "np_copy_s": med(copies)}))
            """;

    private static void ray(long sizeMb, int reps) throws Exception {
        long size = sizeMb << 20;
        ProcessBuilder pb = new ProcessBuilder(System.getenv().getOrDefault("SHM4J_PYTHON", "python3"), "-c", RAY_SCRIPT, Long.toString(size), Integer.toString(reps))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.contains("{")) {
            p.destroyForcibly();
            System.out.println("ray: failed (exit=" + (p.isAlive() ? "timeout" : p.exitValue()) + ") " + out);
            return;
        }
        String json = out.substring(out.lastIndexOf('{'));
        double put = field(json, "put_s");
        double get = field(json, "get_s");
        double first = field(json, "get_first_s");
        double copy = field(json, "np_copy_s");
        System.out.printf(Locale.ROOT, "ray.put      %8.1f ms  %6.2f GB/s   (numpy copy %.1f ms; ray.init %.1f s)%n",
                put * 1e3, gbps(size, put), copy * 1e3, field(json, "init_s"));
        System.out.printf(Locale.ROOT, "ray.get      first %6.1f us  repeated median %6.1f us%n", first * 1e6, get * 1e6);
    }

    private static double field(String json, String key) {
        int i = json.indexOf("\"" + key + "\"");
        int colon = json.indexOf(':', i);
        int end = colon + 1;
        while (end < json.length() && ",}".indexOf(json.charAt(end)) < 0) {
            end++;
        }
        return Double.parseDouble(json.substring(colon + 1, end).trim());
    }

    // ------------------------------------------------------------------ helpers

    private static ObjectStoreConfig config(String hint) {
        return ObjectStoreConfig.named("shm4j-bench-" + hint + "-" + ProcessHandle.current().pid());
    }

    private static void fill(MemorySegment s) {
        long x = 0x9E3779B97F4A7C15L;
        for (long off = 0; off + 8 <= s.byteSize(); off += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, off, x);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] xs) {
        double[] c = xs.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static double gbps(long bytes, double seconds) {
        return bytes / seconds / 1e9;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
