/** Live datasets: versioned names whose newest version readers follow while it is replaced. */
module io.shm4j.dataset {
    requires transitive io.shm4j.segment;
    requires transitive io.shm4j.array;
    requires transitive io.shm4j.frame;
    requires java.management; // a follower paces its touch by its thread's CPU time

    exports io.shm4j.dataset;
}
