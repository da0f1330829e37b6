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
            case RAY -> engine(config);
        };
    }

    private static WorkerPool engine(PoolConfig config) {
        for (PoolEngine e : java.util.ServiceLoader.load(PoolEngine.class, Pools.class.getClassLoader())) {
            if (e.backend() == config.backend()) {
                return e.start(config);
            }
        }
        throw new io.shm4j.pool.PoolException("no engine for the backend: backend=" + config.backend()
                + "; put the module shm4j-" + config.backend().name().toLowerCase(java.util.Locale.ROOT)
                + " (io.shm4j:shm4j-" + config.backend().name().toLowerCase(java.util.Locale.ROOT)
                + ") on the class path or module path");
    }
}
