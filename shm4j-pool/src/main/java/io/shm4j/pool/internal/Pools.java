package io.shm4j.pool.internal;

import io.shm4j.pool.WorkerPool;
import io.shm4j.segment.ShmDirectory;

/** Starts pools: the one door from the API's builder to the backends. */
public final class Pools {
    private Pools() {}

    /** Reclaims dead processes' scoped segments, then starts the configured backend. */
    public static WorkerPool start(PoolConfig config) {
        ShmDirectory.current().gc(false);
        return switch (config.backend()) {
            case PROCESSES -> ProcessPool.start(config);
            case THREADS -> new ThreadPool(config);
        };
    }
}
