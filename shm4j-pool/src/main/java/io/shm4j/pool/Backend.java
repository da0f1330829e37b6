package io.shm4j.pool;

/** Where a pool runs its tasks. */
public enum Backend {
    /** Worker JVMs started from the caller's java, class path and options. */
    PROCESSES,
    /** Threads of the calling JVM (same API, same tasks, no serialization). */
    THREADS
}
