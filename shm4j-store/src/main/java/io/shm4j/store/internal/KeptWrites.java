package io.shm4j.store.internal;

import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.internal.Native;
import java.lang.foreign.MemorySegment;
import java.util.BitSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Writes a put into page stock whose mapping this process kept ({@link WarmStock}): chunks whose
 * pages this process has written through the mapping before (<i>touched</i>: their page-table
 * entries exist) are copied through it — a plain memory copy — and the others are written by
 * the kernel ({@code pwrite}), which takes no page fault. A helper thread (pooled, kept between
 * puts) copies from the other end through the mapping, touching chunks as it goes (plasma's
 * parallel memcpy, and the population of the mapping in parallel with the copy): the first
 * user-space touch of a 4 KiB page costs far more than the copy on a VM with shadow page
 * tables, so the helper gets through a few chunks per put while the caller writes the rest,
 * and after a few puts into the same stock every chunk is a memory copy, split between the two
 * threads.
 *
 * <p>Not thread-safe: one call per pending segment; {@code touched} belongs to the call.
 */
final class KeptWrites {
    /**
     * Bytes per chunk: the unit of work and of the touched bitmap. Small, because the caller waits
     * for the helper's last chunk, and touching 1 MiB takes 8-30 ms on this project's VM.
     */
    static final long CHUNK = 1L << 20;
    /** Below this, one thread. */
    static final long TWO_THREADS_MIN = 32L << 20;
    /** System property: {@code false} keeps to one thread (then nothing gets touched: pwrite or copy only). */
    static final String HELPER_PROPERTY = "shm4j.store.copyHelper";
    private static final boolean HELPER = Boolean.parseBoolean(System.getProperty(HELPER_PROPERTY, "true").trim())
            && Runtime.getRuntime().availableProcessors() > 1;
    /**
     * System property: {@code false} copies a put whose pages are all touched in chunks of
     * {@link #CHUNK} with {@code MemorySegment.copy}, as before {@link #copyInHalves}.
     */
    static final String NATIVE_COPY_PROPERTY = "shm4j.store.nativeCopy";
    private static final boolean NATIVE_COPY = Boolean.parseBoolean(System.getProperty(NATIVE_COPY_PROPERTY, "true").trim());

    static final int MAX_HELPERS = 4;
    static final long HELPER_KEEP_ALIVE_SECONDS = 30;
    /**
     * The helpers, kept alive between puts ({@value #HELPER_KEEP_ALIVE_SECONDS} s idle): starting a
     * thread costs 1-3 ms on this project's VM, a tenth of a 500 MB put's copy. At most
     * {@value #MAX_HELPERS} at once; a put that finds them all busy copies alone.
     */
    private static final ThreadPoolExecutor HELPERS = new ThreadPoolExecutor(0, MAX_HELPERS,
            HELPER_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(), Daemons.named("shm4j-store-copy"));

    private KeptWrites() {}

    /** Writes every byte of {@code encoded} into {@code target}; updates {@code touched}. */
    static void write(FileEncoded encoded, PendingSegment target, BitSet touched) {
        long size = encoded.size();
        int chunks = (int) ((size + CHUNK - 1) / CHUNK);
        MemorySegment memory = target.memory();
        if (!encoded.ranged()) {
            if (touched.nextClearBit(0) >= chunks) {
                encoded.writeTo(memory); // every page touched: one memory copy
            } else {
                encoded.writeThrough(target);
            }
            return;
        }
        if (NATIVE_COPY && touched.nextClearBit(0) >= chunks) {
            copyInHalves(encoded, memory, size); // the steady state: every page mapped here before
            return;
        }
        // Touched chunks first: the caller copies them from the front, then pwrites untouched ones;
        // the helper starts at the back, so it spends its time touching untouched chunks.
        int[] order = new int[chunks];
        int k = 0;
        for (int c = 0; c < chunks; c++) {
            if (touched.get(c)) {
                order[k++] = c;
            }
        }
        for (int c = 0; c < chunks; c++) {
            if (!touched.get(c)) {
                order[k++] = c;
            }
        }
        Cursor cursor = new Cursor(chunks);
        BitSet helped = new BitSet();
        Throwable[] helperFailure = new Throwable[1];
        CountDownLatch helperDone = null;
        if (HELPER && size >= TWO_THREADS_MIN) {
            CountDownLatch done = new CountDownLatch(1);
            Runnable help = () -> {
                try {
                    if (encoded.readableBy(Thread.currentThread())) { // else a confined source: the caller alone
                        for (int i = cursor.back(); i >= 0; i = cursor.back()) {
                            int c = order[i];
                            copy(encoded, memory, c, size);
                            helped.set(c);
                        }
                    }
                } catch (Throwable t) {
                    helperFailure[0] = t;
                } finally {
                    done.countDown();
                }
            };
            try {
                HELPERS.execute(help);
                helperDone = done;
            } catch (RejectedExecutionException e) {
                // every helper busy with other puts: this thread alone
            }
        }
        Throwable failure = null;
        try {
            for (int i = cursor.front(); i >= 0; i = cursor.front()) {
                int c = order[i];
                if (touched.get(c)) {
                    copy(encoded, memory, c, size);
                } else {
                    long off = c * CHUNK;
                    encoded.forEachRange(off, Math.min(CHUNK, size - off), target::write);
                }
            }
        } catch (Throwable t) {
            failure = t;
            cursor.stop();
        } finally {
            if (helperDone != null) {
                Uninterruptibly.await(helperDone); // helped and helperFailure are visible after it
            }
        }
        if (failure == null) {
            failure = helperFailure[0];
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        touched.or(helped);
    }

    /**
     * Copies the whole encoding into pages all touched before, with {@code memcpy} in as few calls
     * as the sources allow ({@link Native#copy}: calls above glibc's non-temporal threshold skip
     * reading the destination's cache lines, a third less memory traffic), the back half on a
     * helper thread if the encoding is large, helpers are free and the sources are readable from
     * another thread. Halves, not chunks handed out one by one: non-temporal stores need calls of
     * hundreds of MiB, so a thread that falls behind is waited for.
     */
    private static void copyInHalves(FileEncoded encoded, MemorySegment memory, long size) {
        TestHooks.keptCopy("halves " + size);
        long half = size >= TWO_THREADS_MIN && HELPER ? (size / 2) & -4096L : size;
        boolean[] helped = new boolean[1];
        Throwable[] helperFailure = new Throwable[1];
        CountDownLatch done = new CountDownLatch(1);
        boolean helping = false;
        if (half < size) {
            try {
                HELPERS.execute(() -> {
                    try {
                        if (encoded.readableBy(Thread.currentThread())) { // else a confined source: the caller's
                            copyRange(encoded, memory, half, size);
                            helped[0] = true;
                        }
                    } catch (Throwable t) {
                        helperFailure[0] = t;
                    } finally {
                        done.countDown();
                    }
                });
                helping = true;
            } catch (RejectedExecutionException e) {
                // every helper busy with other puts: this thread alone
            }
        }
        try {
            copyRange(encoded, memory, 0, helping ? half : size);
        } finally {
            if (helping) {
                Uninterruptibly.await(done); // helped and helperFailure are visible after it
            }
        }
        if (helperFailure[0] instanceof RuntimeException r) {
            throw r;
        }
        if (helperFailure[0] instanceof Error e) {
            throw e;
        }
        if (helperFailure[0] != null) {
            throw new IllegalStateException(helperFailure[0]);
        }
        if (helping && !helped[0]) {
            copyRange(encoded, memory, half, size);
        }
    }

    private static void copyRange(FileEncoded encoded, MemorySegment memory, long from, long to) {
        encoded.forEachRange(from, to - from, (at, slice) -> Native.copy(slice, memory.asSlice(at, slice.byteSize())));
    }

    private static void copy(FileEncoded encoded, MemorySegment memory, int c, long size) {
        long off = c * CHUNK;
        encoded.forEachRange(off, Math.min(CHUNK, size - off),
                (at, slice) -> MemorySegment.copy(slice, 0, memory, at, slice.byteSize()));
    }

    /** Hands out chunk positions from both ends until they meet. */
    private static final class Cursor {
        private int front;
        private int back;

        Cursor(int n) {
            back = n;
        }

        synchronized int front() {
            return front < back ? front++ : -1;
        }

        synchronized int back() {
            return front < back ? --back : -1;
        }

        synchronized void stop() {
            back = front;
        }
    }
}
