/**
 * Named shared-memory segments in a tmpfs: create, attach, publish, owners and lifetimes, gc.
 * The one module with native access ({@code --enable-native-access=io.shm4j.segment} on the
 * module path, {@code ALL-UNNAMED} on the class path); {@code io.shm4j.segment.internal} (the
 * native door) is exported only to the store, which advises the kernel on its spill mappings
 * through it, to the pool, which checks the owner of its leftovers with it, and to the frame
 * module, which decodes LZ4 frames with liblz4 and moves buffers in with the kernel copy, and to
 * the dataset module, whose follower thread lowers its own priority with it.
 */
@SuppressWarnings("module") // the array, store, pool, frame and dataset modules are compiled after this module
module io.shm4j.segment {
    exports io.shm4j;
    exports io.shm4j.segment;
    exports io.shm4j.list;
    exports io.shm4j.segment.internal to io.shm4j.array, io.shm4j.store, io.shm4j.pool, io.shm4j.frame, io.shm4j.dataset;
}
