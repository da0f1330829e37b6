package io.shm4j.store.internal;

import java.util.function.Consumer;

/**
 * Points where tests stop the store between its steps, to prove what happens meanwhile in other
 * threads and processes (for example that a spill's or a restore's I/O runs without the store
 * lock). Unset (null) in production; a set hook runs in the thread doing the work.
 *
 * <p>Thread-safe (volatile fields). Internal: no compatibility promise.
 */
public final class TestHooks {
    /**
     * Called with {@code "spill NAME"} or {@code "restore NAME"} right before the spill file of
     * object {@code NAME} is written or read, outside the store lock, and with
     * {@code "spill-open NAME"} before a spill opens the object's file.
     */
    public static volatile Consumer<String> unlockedIo;

    /**
     * Called with {@code "halves SIZE"} when a put into pages all touched before copies in two
     * halves with {@code memcpy} ({@code KeptWrites.write}), in the putting thread.
     */
    public static volatile Consumer<String> keptCopy;

    private TestHooks() {}

    static void keptCopy(String what) {
        Consumer<String> h = keptCopy;
        if (h != null) {
            h.accept(what);
        }
    }

    static void unlockedIo(String what) {
        Consumer<String> h = unlockedIo;
        if (h != null) {
            h.accept(what);
        }
    }
}
