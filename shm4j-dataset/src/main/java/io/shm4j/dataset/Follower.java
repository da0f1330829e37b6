package io.shm4j.dataset;

import io.shm4j.segment.internal.Native;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * A background thread that keeps a dataset handle on the newest version without its request
 * threads paying for the switch ({@link Dataset#follow(Duration)}). Each look is one load of the
 * shared version number; when it moved, the follower maps the new version, reads one byte of
 * every page (filling this process's page tables: on a VM with shadow page tables the first
 * touch of each 4 KiB page of a new mapping costs about 2 µs even after
 * {@code MADV_POPULATE_READ}) and then makes it the handle's version. The versions it replaced
 * are unmapped by this thread too, once no lease or {@link DatasetReader} of the handle holds
 * them (the last one to let go wakes it) (a version's last unmapping frees its pages when its name is already gone: 13–25 ms for
 * 244 MiB, also kept off the request threads).
 *
 * <p><b>Priority:</b> the thread runs at nice {@value #DEFAULT_NICE} (its own nice value only,
 * set with {@code setpriority} on its thread id; system property {@value #NICE_PROPERTY} overrides
 * it, 0 keeps the process's), so that the touch of a new version (about 110 ms of CPU per 244 MiB
 * on 4 KiB pages) takes the cores only when the request threads leave them idle: request
 * latency during an update stays near the steady state's, and the switch takes longer when
 * the cores are busy (the time the request threads leave idle). If the kernel refuses, it runs
 * at the process's priority ({@link #nice()} says which).
 *
 * <p><b>Threading:</b> {@link #close()} and the accessors are thread-safe. <b>Ownership:</b> the
 * follower belongs to its dataset handle; closing the handle closes it. Closing the follower
 * stops and joins its thread and lets go of the old versions it still kept; the handle keeps
 * its current version and checks the shared number again on each {@link Dataset#current()}.
 * <b>Failures:</b> a version that cannot be mapped (removed by hand, out of address space) is
 * retried at the next look; {@link #lastFailure()} tells why, and readers keep the version they
 * have meanwhile.
 *
 * @param <T> {@link io.shm4j.array.SharedArray} or {@link io.shm4j.frame.SharedFrame}
 */
public final class Follower<T extends AutoCloseable> implements AutoCloseable {
    /** Bytes between two touches: the smallest page size of the platforms Linux runs on. */
    static final long PAGE = 4096;
    /** Pages touched between two pauses when the touch is paced. */
    static final long CHUNK_PAGES = 256;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    /** The share of one core a follower's touch takes by default ({@link Dataset#follow(Duration)}). */
    public static final double DEFAULT_TOUCH_SHARE = 1.0;
    /** The nice value a follower's thread runs at by default (the lowest priority). */
    public static final int DEFAULT_NICE = 19;
    /** System property: the nice value of follower threads (0 to 19; default {@value #DEFAULT_NICE}). */
    public static final String NICE_PROPERTY = "shm4j.dataset.followerNice";

    private final Dataset<T> dataset;
    private final long pollNanos;
    private final double touchShare;
    private final List<Dataset.Held<T>> retiring = new ArrayList<>(); // its thread only, then close's after join
    private final Thread thread;
    private final Runnable wake;
    private volatile boolean stopped;
    private volatile RuntimeException lastFailure;
    private volatile long switches;
    private volatile long lastSwitchNanos;
    private volatile int nice;
    private volatile int tid; // the kernel's id of its thread, once it runs
    @SuppressWarnings("unused") // the sink of the touches, so the JIT keeps the loads
    private volatile long sink;

    Follower(Dataset<T> dataset, Duration poll, double touchShare) {
        if (poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("poll interval must be positive: poll=" + poll);
        }
        if (!(touchShare > 0 && touchShare <= 1)) {
            throw new IllegalArgumentException("touch share must be in (0, 1]: touchShare=" + touchShare);
        }
        this.dataset = dataset;
        this.touchShare = touchShare;
        this.pollNanos = Math.max(100_000L, poll.toNanos());
        this.thread = Thread.ofPlatform().daemon().name("shm4j-dataset-follower-" + dataset.name())
                .unstarted(this::run);
        Thread t = thread;
        this.wake = () -> LockSupport.unpark(t);
    }

    void start() {
        thread.start();
    }

    private void run() {
        lowerPriority();
        try {
            while (!stopped) {
                try {
                    step();
                    lastFailure = null;
                } catch (RuntimeException e) {
                    if (stopped) {
                        return;
                    }
                    lastFailure = e;
                }
                unmapReleased();
                LockSupport.parkNanos(this, pollNanos);
            }
        } finally {
            dataset.followerStopped(this);
        }
    }

    /** Sets this thread's nice value (the follower's own thread only). */
    private void lowerPriority() {
        tid = Native.gettid();
        int want = Math.clamp(Integer.getInteger(NICE_PROPERTY, DEFAULT_NICE), 0, 19);
        if (want == 0) {
            return;
        }
        try {
            Native.setThreadNice(want);
            nice = want;
        } catch (Native.ErrnoException e) {
            // not allowed here (a seccomp filter, say): run at the process's priority, nice() says so
        }
    }

    /** One look: if a newer version was published, map it, touch it and switch the handle to it. */
    private void step() {
        long k = dataset.currentNumber();
        Dataset.Held<T> h = dataset.held();
        if (k == 0 || (h != null && h.number == k)) {
            return;
        }
        long t0 = System.nanoTime();
        Dataset.Held<T> next = dataset.map(k, h, 0);
        if (next == null) {
            return; // superseded while we looked: the next look takes the newer one
        }
        try {
            touch(dataset.bytesOf(next));
            int before = retiring.size();
            if (!dataset.install(next, retiring)) {
                next.release();
                return;
            }
            for (int i = before; i < retiring.size(); i++) {
                retiring.get(i).onLastHold(wake); // the last reader to let go wakes this thread
            }
        } catch (RuntimeException | Error e) {
            next.release();
            throw e;
        }
        lastSwitchNanos = System.nanoTime() - t0;
        switches++;
    }

    /**
     * Reads one byte of every page of {@code bytes}, so that the page tables of this process map
     * them all; paced to {@link #touchShare} of a core (a pause after each chunk of pages, in
     * proportion to the thread CPU time the chunk took), so that request threads sharing the
     * cores slow down little while it runs.
     */
    void touch(MemorySegment bytes) {
        long x = 0;
        long n = bytes.byteSize();
        long chunk = PAGE * CHUNK_PAGES;
        boolean paced = touchShare < 1 && CPU.isCurrentThreadCpuTimeSupported();
        for (long start = 0; start < n && !stopped; start += chunk) {
            long t0 = paced ? CPU.getCurrentThreadCpuTime() : 0;
            long end = Math.min(n, start + chunk);
            for (long off = start; off < end; off += PAGE) {
                x += bytes.get(ValueLayout.JAVA_BYTE, off);
            }
            if (paced) {
                // paced by this thread's CPU time, not the wall clock: on a busy machine the wall
                // clock also counts the time other threads ran, and the switch would crawl
                long used = CPU.getCurrentThreadCpuTime() - t0;
                LockSupport.parkNanos(this, (long) (used * (1 - touchShare) / touchShare));
            }
        }
        if (n > 0) {
            x += bytes.get(ValueLayout.JAVA_BYTE, n - 1);
        }
        sink = x;
    }

    /** Unmaps the replaced versions that only this follower still holds. */
    private void unmapReleased() {
        for (int i = retiring.size() - 1; i >= 0; i--) {
            Dataset.Held<T> old = retiring.get(i);
            if (old.holds() <= 1) {
                retiring.remove(i);
                old.release(); // a lease taken meanwhile keeps it: then that lease's close unmaps it
            }
        }
    }

    /**
     * The nice value its thread runs at ({@value #DEFAULT_NICE} unless {@value #NICE_PROPERTY} says
     * otherwise; 0 if it runs at the process's priority, or before its thread set it).
     */
    public int nice() {
        return nice;
    }

    /** The kernel's id of its thread ({@code /proc/self/task/TID}), 0 before it started. */
    int threadId() {
        return tid;
    }

    /** How many times it switched the handle to a newer version. */
    public long switches() {
        return switches;
    }

    /** How long its last switch took (map, touch, install), or {@link Duration#ZERO} before the first. */
    public Duration lastSwitch() {
        return Duration.ofNanos(lastSwitchNanos);
    }

    /** Why its last look failed, if it did (it retries at the next look). */
    public Optional<RuntimeException> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    /**
     * Stops following and waits for the thread (a switch in progress completes or is undone);
     * lets go of the replaced versions it still held (each unmapped when its last lease closes).
     * Idempotent.
     */
    @Override
    public void close() {
        stopped = true;
        LockSupport.unpark(thread);
        boolean interrupted = false;
        if (thread != Thread.currentThread()) {
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        synchronized (retiring) {
            for (Dataset.Held<T> old : retiring) {
                old.release();
            }
            retiring.clear();
        }
        dataset.followerStopped(this);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Follower[" + dataset.name() + ", switches=" + switches + (stopped ? ", stopped" : "") + "]";
    }
}
