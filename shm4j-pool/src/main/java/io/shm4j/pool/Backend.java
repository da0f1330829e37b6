package io.shm4j.pool;

/** Where a pool runs its tasks. */
public enum Backend {
    /** Worker JVMs started from the caller's java, class path and options. */
    PROCESSES,
    /** Threads of the calling JVM (same API, same tasks, no serialization). */
    THREADS,
    /**
     * Tasks of a Ray cluster (module {@code shm4j-ray} on the class or module path); the
     * cluster's address comes from {@code shm4j.ray.address}, {@code SHM4J_RAY_ADDRESS} or
     * {@code RAY_ADDRESS} (see {@code io.shm4j.ray.RayPool} for the other settings).
     */
    RAY
}
