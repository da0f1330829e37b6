/**
 * Named shared-memory segments in a tmpfs: create, attach, publish, owners and lifetimes, gc.
 * The one module with native access ({@code --enable-native-access=io.shm4j.segment} on the
 * module path, {@code ALL-UNNAMED} on the class path); {@code io.shm4j.segment.internal} (the
 * native door) is exported only to the store, which advises the kernel on its spill mappings
 * through it, and to the pool, which checks the owner of its leftovers with it.
 */
@SuppressWarnings("module") // the store and the pool are compiled after this module
module io.shm4j.segment {
    exports io.shm4j;
    exports io.shm4j.segment;
    exports io.shm4j.list;
    exports io.shm4j.segment.internal to io.shm4j.store, io.shm4j.pool;
}
