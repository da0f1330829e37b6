/** The object store: refs, pins, a capacity, eviction and spilling. */
module io.shm4j.store {
    requires transitive io.shm4j.segment;
    requires transitive io.shm4j.array;
    requires transitive io.shm4j.frame;

    exports io.shm4j.store;
}
