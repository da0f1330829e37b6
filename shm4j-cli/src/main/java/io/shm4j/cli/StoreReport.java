package io.shm4j.cli;

import io.shm4j.Shm4jException;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.store.StoreAdmin;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How {@code ls}, {@code store stats} and {@code gc} go on past a store they cannot read: each
 * is reported on stderr in one line (busy, damaged, a link or file planted under a store's name)
 * and the command carries on with the rest, then exits 1.
 */
final class StoreReport {
    private final PrintWriter err;
    private boolean skipped;

    StoreReport(PrintWriter err, ShmDirectory dir) {
        this.err = err;
        for (Map.Entry<String, String> e : StoreAdmin.unusableStores(dir).entrySet()) {
            skip(e.getKey(), e.getValue());
        }
    }

    /** The result of reading one store, or null (reported) if it cannot be read. */
    <T> T read(String store, Supplier<T> reader) {
        try {
            return reader.get();
        } catch (Shm4jException | java.io.UncheckedIOException e) {
            skip(store, e.getMessage());
            return null;
        }
    }

    void skip(String store, String why) {
        skipped = true;
        err.println("shm4j: skipped object store " + Text.oneLine(store) + ": " + Text.oneLine(why));
    }

    /** 0, or 1 if anything was skipped. */
    int status() {
        return skipped ? 1 : 0;
    }
}
