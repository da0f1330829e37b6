package io.shm4j.pool.internal;

import io.shm4j.pool.Backend;
import io.shm4j.pool.WorkerPool;

/**
 * A backend that lives in a module of its own (Ray: {@code shm4j-ray}), so that this module
 * depends on no engine. Found with {@link java.util.ServiceLoader} when a pool is built with its
 * {@link Backend}. No compatibility promise.
 */
public interface PoolEngine {
    /** The backend this engine runs. */
    Backend backend();

    /** Starts a pool with {@code config} (the shm directory's gc has run already). */
    WorkerPool start(PoolConfig config);
}
