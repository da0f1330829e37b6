/**
 * The worker pool: worker JVMs (always started on the class path, see docs/pool.md), tasks,
 * progress, the threads backend. {@code io.shm4j.pool.internal} is not exported.
 */
module io.shm4j.pool {
    requires transitive io.shm4j.segment;
    requires transitive io.shm4j.array;
    requires transitive io.shm4j.frame;
    requires transitive io.shm4j.store;
    requires java.management;
    requires me.tongfei.progressbar;

    exports io.shm4j.pool;
}
