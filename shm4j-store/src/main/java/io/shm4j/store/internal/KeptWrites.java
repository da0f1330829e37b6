package io.shm4j.store.internal;

import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.internal.Native;
import io.shm4j.segment.internal.Uninterruptibly;
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
     * {@link #CHUNK} with {@code MemorySegment.copy}, as before the copy in two halves with memcpy.
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
        // The steady state, every page mapped here before: two units, one per thread, each copied
        // with memcpy in as few calls as the sources allow (Native.copy: calls above glibc's
        // non-temporal threshold skip reading the destination's cache lines, a third less memory
        // traffic; they need hundreds of MiB, so a thread that falls behind is waited for).
        // Otherwise units of CHUNK: touched ones first, the caller copies them from the front, then
        // pwrites untouched ones; the helper starts at the back, so it spends its time touching
        // untouched chunks.
        boolean halves = NATIVE_COPY && touched.nextClearBit(0) >= chunks;
        long unit = halves ? Math.max(CHUNK, ((size + 1) / 2 + CHUNK - 1) / CHUNK * CHUNK) : CHUNK;
        int units = (int) ((size + unit - 1) / unit);
        if (halves) {
            TestHooks.keptCopy("halves " + size);
        }
        int[] order = new int[units];
        int k = 0;
        for (int c = 0; c < units; c++) {
            if (halves || touched.get(c)) {
                order[k++] = c;
            }
        }
        for (int c = 0; c < units; c++) {
            if (!halves && !touched.get(c)) {
                order[k++] = c;
            }
        }
        Cursor cursor = new Cursor(units);
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
                            copy(encoded, memory, c * unit, Math.min(unit, size - c * unit), halves);
                            if (!halves) {
                                helped.set(c);
                            }
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
                long off = c * unit;
                if (halves || touched.get(c)) {
                    copy(encoded, memory, off, Math.min(unit, size - off), halves);
                } else {
                    encoded.forEachRange(off, Math.min(unit, size - off), target::write);
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

    /** Copies bytes {@code [off, off + length)} of the encoding, with memcpy ({@link Native#copy}) or a Java copy. */
    private static void copy(FileEncoded encoded, MemorySegment memory, long off, long length, boolean nativeCopy) {
        encoded.forEachRange(off, length, (at, slice) -> {
            if (nativeCopy) {
                Native.copy(slice, memory.asSlice(at, slice.byteSize()));
            } else {
                MemorySegment.copy(slice, 0, memory, at, slice.byteSize());
            }
        });
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
