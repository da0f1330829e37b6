package io.shm4j.dataset;

import io.shm4j.segment.internal.Native;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * A background thread that keeps a dataset handle on the newest version without its request
 * threads paying for the switch ({@link Dataset#follow(Duration)}). Each look is one load of the
 * shared version number; when it moved, the follower maps the new version, reads all of it
 * (in native code; filling this process's page tables: on a VM with shadow page tables the first
 * touch of each 4 KiB page of a new mapping costs about 2 µs even after
 * {@code MADV_POPULATE_READ}) and then makes it the handle's version. The versions it replaced
 * are unmapped by this thread too, once no lease or {@link DatasetReader} of the handle holds
 * them (the last one to let go wakes it) (a version's last unmapping frees its pages when its name is already gone: 13–25 ms for
 * 244 MiB, also kept off the request threads).
 *
 * <p><b>Request threads' scans:</b> unmapping a replaced version closes its shared arena, and
 * HotSpot deoptimizes the top frame of every thread then running compiled code with
 * memory-segment accesses, whatever segment it reads: a thread in one long loop over the new
 * version runs the rest of it in the interpreter (until an on-stack compilation replaces it:
 * 100-140 ms instead of 12 ms for 244 MiB in workload E). Write long scans as a loop of calls
 * over blocks of rows, so that such a close costs about one block (docs/dataset.md, "Closing a
 * version and the JIT").
 *
 * <p><b>Priority:</b> the touch runs on a second thread of the follower at nice
 * {@value #DEFAULT_NICE} (its own nice value only, set with {@code setpriority} on its thread id;
 * system property {@value #NICE_PROPERTY} overrides it, 0 keeps the process's), so that the touch
 * of a new version (about 110 ms of CPU per 244 MiB on 4 KiB pages) yields the cores to the
 * request threads: request latency during an update stays near the steady state's, and the
 * switch takes longer when the cores are busy. So that it does not take too long (a version
 * every 2 s would otherwise keep three alive), the follower's own thread takes the remaining
 * chunks as well after half a second ({@link #helpedSwitches()} counts those switches). It reads
 * the pages in native code, so a safepoint of the JVM never waits for the low-priority thread to
 * get a core. Versions of at most 4 MiB are touched by the follower's own thread (the hand-over
 * would cost more). The follower's own thread, which maps and
 * unmaps versions (holding the process's {@code mmap} lock, which every page fault and mapping
 * of the process may wait for), keeps the process's priority: a low-priority thread holding
 * that lock would stall the request threads (priority inversion). If the kernel refuses the
 * nice value, the touch runs at the process's priority ({@link #nice()} says which).
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
    /**
     * Versions up to this size are touched by the follower's own thread: handing the touch to the
     * low-priority thread costs its wake-up, up to tens of milliseconds when the cores are busy,
     * more than touching 1,024 pages takes.
     */
    static final long INLINE_TOUCH_BYTES = 4L << 20;
    /**
     * How long the low-priority thread touches a new version alone before the follower's own
     * thread helps (at the process's priority): bounds a switch when the cores are busy.
     */
    static final long HELP_AFTER_NANOS = 500_000_000L;
    /** Pages touched between two pauses when the touch is paced. */
    static final long CHUNK_PAGES = 256;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    /** The share of one core a follower's touch takes by default ({@link Dataset#follow(Duration)}). */
    public static final double DEFAULT_TOUCH_SHARE = 1.0;
    /** The nice value a follower's thread runs at by default (a low priority: see the class comment). */
    public static final int DEFAULT_NICE = 10;
    /** System property: the nice value of follower threads (0 to 19; default {@value #DEFAULT_NICE}). */
    public static final String NICE_PROPERTY = "shm4j.dataset.followerNice";

    private final Dataset<T> dataset;
    private final long pollNanos;
    private final double touchShare;
    private final List<Dataset.Held<T>> retiring = new ArrayList<>(); // its thread only, then close's after join
    private final Thread thread;
    private final java.util.concurrent.ExecutorService toucher; // one thread, at low priority, created at the first touch
    private final Runnable wake;
    private volatile boolean stopped;
    private volatile RuntimeException lastFailure;
    private volatile long switches;
    private volatile long helps;
    private volatile long lastSwitchNanos;
    private volatile int nice;
    private volatile int tid; // the kernel's id of its touching thread, once it runs

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
        this.toucher = java.util.concurrent.Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon()
                .name("shm4j-dataset-toucher-" + dataset.name()).unstarted(() -> {
                    lowerPriority();
                    r.run();
                }));
    }

    void start() {
        thread.start();
    }

    private void run() {
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

    /** Sets the calling thread's nice value (the toucher's, at its start). */
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
            touchAtLowPriority(dataset.bytesOf(next));
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
     * Touches a new version: on the low-priority thread; if that has not finished after
     * {@link #HELP_AFTER_NANOS} (the cores are busy), this thread takes the remaining chunks too,
     * at the process's priority, so a switch never waits for long for a core; small versions on
     * this thread alone. Returns when every chunk is touched (or the follower stops).
     */
    private void touchAtLowPriority(MemorySegment bytes) {
        java.util.concurrent.atomic.AtomicLong cursor = new java.util.concurrent.atomic.AtomicLong();
        if (bytes.byteSize() <= INLINE_TOUCH_BYTES) {
            touch(bytes, cursor, false);
            return;
        }
        java.util.concurrent.Future<?> done = toucher.submit(() -> touch(bytes, cursor, true));
        boolean interrupted = false;
        boolean helped = false;
        long until = System.nanoTime() + HELP_AFTER_NANOS;
        try {
            while (true) {
                try {
                    if (helped) {
                        done.get();
                    } else {
                        done.get(Math.max(0, until - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                    }
                    return;
                } catch (java.util.concurrent.TimeoutException e) {
                    helped = true;
                    helps++;
                    touch(bytes, cursor, false); // the chunks left, at this thread's priority
                } catch (InterruptedException e) {
                    interrupted = true; // a switch in progress completes (or stops with the follower)
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException r) {
                        throw r;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Reads every byte of {@code bytes} in native code, chunk by chunk ({@link Native#readAll}), so
     * that the page tables of this process map all its pages: the chunks not yet claimed from
     * {@code cursor} (two threads may share the work). If {@code paced}, at most
     * {@link #touchShare} of a core (a pause after each chunk, in proportion to the thread CPU
     * time the chunk took), so that request threads sharing the cores slow down little while it
     * runs.
     */
    void touch(MemorySegment bytes, java.util.concurrent.atomic.AtomicLong cursor, boolean paced) {
        long n = bytes.byteSize();
        long chunk = PAGE * CHUNK_PAGES;
        paced &= touchShare < 1 && CPU.isCurrentThreadCpuTimeSupported();
        for (long start; !stopped && (start = cursor.getAndAdd(chunk)) < n; ) {
            long t0 = paced ? CPU.getCurrentThreadCpuTime() : 0;
            // in native code: a safepoint never waits for a low-priority thread to get a core
            Native.readAll(bytes.asSlice(start, Math.min(n, start + chunk) - start));
            if (paced) {
                // paced by this thread's CPU time, not the wall clock: on a busy machine the wall
                // clock also counts the time other threads ran, and the switch would crawl
                long used = CPU.getCurrentThreadCpuTime() - t0;
                LockSupport.parkNanos(this, (long) (used * (1 - touchShare) / touchShare));
            }
        }
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
     * The nice value its touching thread runs at ({@value #DEFAULT_NICE} unless {@value #NICE_PROPERTY}
     * says otherwise; 0 if it runs at the process's priority, or before its first touch).
     */
    public int nice() {
        return nice;
    }

    /** The kernel's id of its touching thread ({@code /proc/self/task/TID}), 0 before its first touch. */
    int toucherThreadId() {
        return tid;
    }

    /**
     * How many switches needed the follower's own thread to help the low-priority touch (it had
     * not finished after half a second: the cores were busy).
     */
    public long helpedSwitches() {
        return helps;
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
        toucher.shutdown();
        while (true) {
            try {
                if (toucher.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
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
