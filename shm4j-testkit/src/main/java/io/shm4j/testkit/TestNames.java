package io.shm4j.testkit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Segment names for tests: unique per JVM and recognisable, so the leak check can attribute
 * files (for example segments a Python process created) to the test that made them.
 */
public final class TestNames {
    private static final String PREFIX = "shm4jtest-" + ProcessHandle.current().pid() + "-";
    private static final AtomicLong COUNTER = new AtomicLong();

    private TestNames() {}

    /** The prefix every name from this JVM starts with. */
    public static String prefix() {
        return PREFIX;
    }

    /** A new unique name, {@code shm4jtest-PID-HINT-N}. */
    public static String unique(String hint) {
        return PREFIX + hint + "-" + COUNTER.incrementAndGet();
    }
}
