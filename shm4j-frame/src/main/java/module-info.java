/** Data frames as Arrow IPC files in shared memory, with zero-copy column views. */
module io.shm4j.frame {
    requires transitive io.shm4j.segment;
    requires org.apache.arrow.format;

    exports io.shm4j.frame;
}
