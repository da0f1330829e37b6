package io.shm4j.pool;

import java.time.Duration;

/**
 * Progress of one batch operation ({@code map}, {@code imap}, {@code imapUnordered},
 * {@code mapRows}): how many of its tasks are done, how fast, and when it will end.
 *
 * @param job the operation's label (for example {@code "map"})
 * @param done tasks finished, successfully or not
 * @param total tasks in the operation
 * @param elapsed time since the operation started
 * @param ratePerSecond tasks finished per second so far
 * @param eta the estimated time to finish (zero when done; {@code null} before the first task ends)
 */
public record ProgressEvent(String job, long done, long total, Duration elapsed,
        double ratePerSecond, Duration eta) {
    /** Whether every task of the operation has finished. */
    public boolean finished() {
        return done >= total;
    }
}
