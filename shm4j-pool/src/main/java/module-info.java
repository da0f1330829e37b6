/**
 * The worker pool: worker JVMs (always started on the class path, see docs/pool.md), tasks,
 * progress, the threads backend. {@code io.shm4j.pool.internal} is exported only to the engine
 * backends in modules of their own (Ray: {@code io.shm4j.ray}), found as {@code PoolEngine}
 * services.
 */
@SuppressWarnings("module") // the Ray module is compiled after this one
module io.shm4j.pool {
    requires transitive io.shm4j.segment;
    requires transitive io.shm4j.array;
    requires transitive io.shm4j.frame;
    requires transitive io.shm4j.store;
    requires java.management;
    requires me.tongfei.progressbar;

    exports io.shm4j.pool;
    exports io.shm4j.pool.internal to io.shm4j.ray;

    uses io.shm4j.pool.internal.PoolEngine;
}
