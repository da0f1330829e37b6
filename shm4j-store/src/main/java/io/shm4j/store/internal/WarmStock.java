package io.shm4j.store.internal;

import io.shm4j.segment.KeptMapping;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * This process's kept writable mappings of objects it put or restored ({@link KeptMapping}),
 * by object name, with which of their chunks it has written through the mapping
 * ({@link KeptWrites}). When this process later drops such an object for page stock, the put
 * writes into the kept mapping (docs/store.md, "page stock").
 *
 * <p>A kept mapping holds its file's memory in this process: once the object leaves its name
 * (another process evicted or spilled it: its check that nobody else maps the file then fails,
 * and it unlinks the file) the mapping is closed — by every lock holder here before it makes
 * room, and by a reaper that looks every {@value #REAP_MILLIS} ms while anything is kept — so the
 * pages of an object evicted elsewhere stay allocated at most that long. At most
 * {@value #MAX_ENTRIES} mappings are kept (the oldest goes first).
 *
 * <p>Thread-safe: entries are taken out under this object's monitor before use, so a mapping is
 * used or closed by one thread only. Ownership: the {@link StoreClient}; {@link #close()} closes
 * every mapping and stops the reaper.
 */
final class WarmStock implements AutoCloseable {
    static final int MAX_ENTRIES = 8;
    static final long REAP_MILLIS = 200;
    /**
     * System property, read when a process connects to a store: {@code false} keeps no mappings
     * (on by default: see docs/store.md, "kept mappings", for when it pays and what it costs).
     */
    static final String PROPERTY = "shm4j.store.keepMappings";

    /** A kept mapping, its touched chunks, and whether its background touch was called off. */
    record Entry(KeptMapping kept, BitSet touched, java.util.concurrent.atomic.AtomicBoolean untouchable) {
        Entry(KeptMapping kept, BitSet touched) {
            this(kept, touched, new java.util.concurrent.atomic.AtomicBoolean());
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>(); // guarded by this
    private final Function<String, Path> objectPath;
    private ScheduledExecutorService reaper; // guarded by this
    private java.util.concurrent.ExecutorService toucher; // guarded by this
    /**
     * System property, read once: {@code false} stops the background touch of kept mappings (then
     * only the puts' own copies touch them, a few chunks per put).
     */
    static final String TOUCH_PROPERTY = "shm4j.store.touchKept";
    private static final boolean TOUCH = Boolean.parseBoolean(System.getProperty(TOUCH_PROPERTY, "true").trim());
    private static volatile long touchSink;
    private boolean closed; // guarded by this

    /**
     * @param objectPath where an object's file is
     * @param idle runs the reaper's check only while no thread here holds the store lock (so it
     *     never mistakes an object this process is moving out of sight for one others evicted)
     */
    WarmStock(Function<String, Path> objectPath, java.util.function.Predicate<Runnable> idle) {
        this.objectPath = objectPath;
        this.idle = idle;
    }

    private final java.util.function.Predicate<Runnable> idle;

    /**
     * Keeps {@code kept} for object {@code name} (closing the oldest beyond the limit); with
     * {@code touch}, has a background thread touch the chunks of it that no put wrote through yet
     * ({@link #touch}). The store asks for the touch only when the object's file was itself page
     * stock: a file that is recycled once is likely to be recycled again, while touching the
     * mapping of every new object would spend a core on objects that are spilled or removed
     * before their file is ever reused.
     */
    void keep(String name, KeptMapping kept, BitSet touched, boolean touch) {
        List<Entry> out = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                out.add(new Entry(kept, touched));
            } else {
                Entry added = new Entry(kept, touched);
                Entry old = entries.put(name, added);
                if (touch && TOUCH && touched.nextClearBit(0) < chunks(kept.size())) {
                    if (toucher == null) {
                        toucher = java.util.concurrent.Executors.newSingleThreadExecutor(
                                Daemons.named("shm4j-store-warm-toucher"));
                    }
                    toucher.execute(() -> touch(name, added));
                }
                if (old != null) {
                    out.add(old);
                }
                while (entries.size() > MAX_ENTRIES) {
                    String first = entries.keySet().iterator().next();
                    out.add(entries.remove(first));
                }
                if (reaper == null) {
                    ScheduledThreadPoolExecutor r = new ScheduledThreadPoolExecutor(1, Daemons.named("shm4j-store-warm-reaper"));
                    r.scheduleWithFixedDelay(() -> idle.test(this::reap), REAP_MILLIS, REAP_MILLIS, TimeUnit.MILLISECONDS);
                    reaper = r;
                }
            }
        }
        closeAll(out);
    }

    /**
     * Reads one byte of every 4 KiB page of the chunks of {@code e} not yet touched, so that the
     * put that later reuses the file copies through page-table entries that exist: on a VM with
     * shadow page tables the first user-space access of a page costs 8-30 us, a plain copy of it
     * far less, and a read through this writable shared mapping of tmpfs maps the page writable
     * (tmpfs tracks no dirty pages). Reading never changes the published bytes. Each chunk is
     * read under this object's monitor while {@code e} is still kept: a take (after which the
     * file may be cut shorter) or a close waits for at most one chunk, so no read ever reaches
     * past the end of the file.
     */
    private void touch(String name, Entry e) {
        long sink = 0;
        int chunks = chunks(e.kept().size());
        while (true) {
            synchronized (this) {
                int c = e.touched().nextClearBit(0);
                if (closed || c >= chunks || entries.get(name) != e || e.untouchable().get()) {
                    break;
                }
                MemorySegment m = e.kept().memory();
                long end = Math.min(m.byteSize(), (c + 1) * KeptWrites.CHUNK);
                for (long off = c * KeptWrites.CHUNK; off < end; off += 4096) {
                    sink += m.get(ValueLayout.JAVA_BYTE, off);
                }
                e.touched().set(c);
            }
        }
        touchSink = sink;
    }

    /**
     * Calls off the background touch of object {@code name}'s mapping (at its next chunk): the
     * object is being evicted or spilled, so its file may be cut to another size or dropped,
     * and a touch would only compete with the eviction's own I/O for the cores.
     */
    void stopTouching(String name) {
        Entry e;
        synchronized (this) {
            e = entries.get(name);
        }
        if (e != null) {
            e.untouchable().set(true);
        }
    }

    private static int chunks(long size) {
        return (int) ((size + KeptWrites.CHUNK - 1) / KeptWrites.CHUNK);
    }

    /** Takes the entry of object {@code name} out (the caller uses or closes its mapping), or null. */
    synchronized Entry take(String name) {
        return entries.remove(name);
    }

    /** Closes the mappings of objects no longer at their names. Under the store lock (or {@code idle}). */
    void reap() {
        List<Entry> out = new ArrayList<>();
        List<String> names;
        synchronized (this) {
            names = new ArrayList<>(entries.keySet());
        }
        for (String name : names) {
            Entry e;
            synchronized (this) {
                e = entries.get(name);
            }
            if (e != null && !e.kept().isAt(objectPath.apply(name))) {
                synchronized (this) {
                    if (entries.remove(name, e)) {
                        out.add(e);
                    }
                }
            }
        }
        closeAll(out);
    }

    synchronized int size() {
        return entries.size();
    }

    @Override
    public void close() {
        List<Entry> out;
        ScheduledExecutorService r;
        java.util.concurrent.ExecutorService t;
        synchronized (this) {
            closed = true;
            out = new ArrayList<>(entries.values());
            entries.clear();
            r = reaper;
            reaper = null;
            t = toucher;
            toucher = null;
        }
        if (t != null) {
            Daemons.stop(t, true); // a touch stops at its next chunk: nothing is kept any more
        }
        if (r != null) {
            Daemons.stop(r, true);
        }
        closeAll(out);
    }

    private static void closeAll(List<Entry> out) {
        for (Entry e : out) {
            e.kept().close();
        }
    }
}
