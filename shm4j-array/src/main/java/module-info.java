/** Typed n-dimensional arrays as NumPy {@code .npy} files in shared memory. */
module io.shm4j.array {
    requires transitive io.shm4j.segment;

    exports io.shm4j.array;
}
