/**
 * Named shared-memory segments in a tmpfs: create, attach, publish, owners and lifetimes, gc.
 * The one module with native access ({@code --enable-native-access=io.shm4j.segment} on the
 * module path, {@code ALL-UNNAMED} on the class path); {@code io.shm4j.segment.internal} (the
 * native door) is not exported.
 */
module io.shm4j.segment {
    exports io.shm4j;
    exports io.shm4j.segment;
    exports io.shm4j.list;
}
