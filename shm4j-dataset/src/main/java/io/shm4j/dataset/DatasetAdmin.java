package io.shm4j.dataset;

import io.shm4j.segment.Access;
import io.shm4j.segment.Lifetime;
import io.shm4j.segment.NoSuchSegmentException;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentException;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.ShmDirectory;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Calls about a directory's datasets rather than one handle: list, inspect, gc, remove.
 *
 * <p>Thread-safe and process-safe: gc and remove take each dataset's writer lock (bounded
 * wait; a busy dataset is skipped by gc) and never follow links or touch files shm4j did not
 * create.
 */
public final class DatasetAdmin {
    /** How long gc waits for a dataset's writer lock before skipping it as busy. */
    public static final Duration GC_LOCK_WAIT = Duration.ofMillis(500);

    private DatasetAdmin() {}

    /** The datasets in {@code dir}, by name. Damaged control segments are left out. */
    public static List<DatasetInfo> list(ShmDirectory dir) {
        List<SegmentInfo> all = dir.list();
        List<DatasetInfo> out = new ArrayList<>();
        for (SegmentInfo s : all) {
            if (s.kind() == SegmentKind.DATASET) {
                try {
                    out.add(describe(dir, s, all));
                } catch (SegmentException | DatasetException | io.shm4j.BadFormatException e) {
                    // vanished meanwhile or damaged: `shm4j info NAME` reports it
                }
            }
        }
        return out;
    }

    /**
     * One dataset.
     *
     * @throws NoSuchSegmentException if there is no such segment
     * @throws DatasetFormatException if it is not a dataset
     */
    public static DatasetInfo info(ShmDirectory dir, String name) {
        SegmentInfo s = dir.info(name);
        if (s.kind() != SegmentKind.DATASET) {
            throw new DatasetFormatException("not a dataset: name=" + name + ", kind=" + s.kind().label());
        }
        return describe(dir, s, dir.list());
    }

    /** Whether {@code name} is a dataset's control segment in {@code dir}. */
    public static boolean isDataset(ShmDirectory dir, String name) {
        return dir.find(name).map(s -> s.kind() == SegmentKind.DATASET).orElse(false);
    }

    private static DatasetInfo describe(ShmDirectory dir, SegmentInfo s, List<SegmentInfo> all) {
        try (Segment control = dir.attach(s.name(), Access.READ_ONLY)) {
            MemorySegment m = control.memory();
            SegmentKind kind = DatasetLayout.check(s.name(), m);
            long current = (long) DatasetLayout.LONG.getAcquire(m, DatasetLayout.CURRENT_OFFSET);
            long count = (long) DatasetLayout.LONG.getAcquire(m, DatasetLayout.PUBLISH_COUNT_OFFSET);
            long last = (long) DatasetLayout.LONG.getAcquire(m, DatasetLayout.LAST_PUBLISH_OFFSET);
            long lock = (long) DatasetLayout.LONG.getVolatile(m, DatasetLayout.LOCK_OFFSET);
            long writer = lock != 0 && Dataset.WriterLock.holderAlive(lock) ? DatasetLayout.lockPid(lock) : 0;
            TreeMap<Long, SegmentInfo> versions = new TreeMap<>();
            for (SegmentInfo v : all) {
                long k = DatasetLayout.versionOf(s.name(), v.name());
                if (k > 0) {
                    versions.put(k, v);
                }
            }
            return new DatasetInfo(s, kind, current, count, last == 0 ? null : Instant.ofEpochMilli(last), writer,
                    new ArrayList<>(versions.values()));
        }
    }

    /**
     * Removes what no reader can reach any more: for each dataset (under its writer lock, skipped
     * as busy when a live writer holds it past {@link #GC_LOCK_WAIT}), every version segment but
     * the current one, including one left by a writer killed between linking and bumping;
     * staging segments of dead writers; version segments of datasets that no longer exist (a
     * scoped dataset whose owner died: run {@link ShmDirectory#gc} first to remove its control
     * segment). Readers that still map a removed version keep it until they let go.
     */
    public static DatasetGcReport gc(ShmDirectory dir, boolean dryRun) {
        List<SegmentInfo> all = dir.list();
        Map<String, SegmentInfo> byName = new TreeMap<>();
        for (SegmentInfo s : all) {
            byName.put(s.name(), s);
        }
        List<String> removed = new ArrayList<>();
        List<String> busy = new ArrayList<>();
        long bytes = 0;
        // staging segments of dead writers, and versions of datasets that are gone
        for (SegmentInfo s : all) {
            if (!isVersionKind(s)) {
                continue;
            }
            Object[] staging = DatasetLayout.parseStaging(s.name());
            if (staging != null) {
                if (!new ProcessIdentity((Long) staging[1], (Long) staging[2]).isAlive()
                        && remove(dir, s, dryRun)) {
                    removed.add(s.name());
                    bytes += s.size();
                }
                continue;
            }
            String owner = DatasetLayout.datasetOfVersion(s.name());
            if (owner != null && !byName.containsKey(owner) && !isDataset(dir, owner) && remove(dir, s, dryRun)) {
                removed.add(s.name());
                bytes += s.size();
            }
        }
        for (SegmentInfo s : all) {
            if (s.kind() != SegmentKind.DATASET) {
                continue;
            }
            Segment control;
            try {
                control = dir.attach(s.name(), Access.READ_WRITE);
            } catch (SegmentException e) {
                continue; // gone, or not ours to write
            }
            try (control) {
                MemorySegment m = control.memory();
                DatasetLayout.check(s.name(), m);
                try (Dataset.WriterLock lock = Dataset.WriterLock.take(s.name(), control.path(), m, GC_LOCK_WAIT)) {
                    long current = (long) DatasetLayout.LONG.getAcquire(m, DatasetLayout.CURRENT_OFFSET);
                    for (SegmentInfo v : all) {
                        long k = DatasetLayout.versionOf(s.name(), v.name());
                        if (k > 0 && k != current && isVersionKind(v) && remove(dir, v, dryRun)) {
                            removed.add(v.name());
                            bytes += v.size();
                        }
                    }
                }
            } catch (DatasetBusyException e) {
                busy.add(s.name());
            } catch (DatasetException | io.shm4j.BadFormatException e) {
                // damaged control segment: leave it and its versions alone
            }
        }
        removed.sort(null);
        return new DatasetGcReport(removed, busy, bytes, dryRun);
    }

    /**
     * Removes a dataset: its control segment and every version (readers that map one keep it
     * until they let go).
     *
     * @throws NoSuchSegmentException if there is no such dataset
     * @throws DatasetBusyException if a live writer holds the lock past {@link Dataset#DEFAULT_LOCK_WAIT}
     */
    public static void remove(ShmDirectory dir, String name) {
        if (!isDataset(dir, name)) {
            throw new NoSuchSegmentException("no such dataset: name=" + name + ", dir=" + dir.path()
                    + "; list datasets with `shm4j ls`");
        }
        try (Segment control = dir.attach(name, Access.READ_WRITE)) {
            DatasetLayout.check(name, control.memory());
            try (Dataset.WriterLock lock = Dataset.WriterLock.take(name, control.path(), control.memory(),
                    Dataset.DEFAULT_LOCK_WAIT)) {
                dir.remove(name);
                removeVersionFiles(dir, name);
            }
        }
    }

    /** Removes every version and staging segment of {@code name} (the control segment stays). */
    static void removeVersionFiles(ShmDirectory dir, String name) {
        for (SegmentInfo s : dir.list()) {
            Object[] staging = DatasetLayout.parseStaging(s.name());
            boolean mine = DatasetLayout.versionOf(name, s.name()) > 0
                    || (staging != null && staging[0].equals(name));
            if (mine && isVersionKind(s)) {
                remove(dir, s, false);
            }
        }
    }

    private static boolean isVersionKind(SegmentInfo s) {
        return (s.kind() == SegmentKind.ARRAY || s.kind() == SegmentKind.FRAME) && s.lifetime() == Lifetime.PERSISTENT;
    }

    /** Removes the file if it still holds the incarnation listed (never a replacement). */
    private static boolean remove(ShmDirectory dir, SegmentInfo s, boolean dryRun) {
        if (dryRun) {
            return true;
        }
        Optional<SegmentInfo> now = dir.find(s.name());
        if (now.isEmpty() || now.get().generation() != s.generation()) {
            return false;
        }
        Dataset.deleteQuietly(s.path());
        return true;
    }
}
