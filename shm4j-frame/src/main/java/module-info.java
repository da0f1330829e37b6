/**
 * Data frames as Arrow IPC files in shared memory, with zero-copy column views.
 *
 * <p>Decompressing LZ4/ZSTD Arrow files needs optional libraries ({@code requires static}): on
 * the module path add them (and {@code --add-modules} them) to put compressed files; without them
 * such a file fails with a FrameFormatException that names the library.
 */
@SuppressWarnings("requires-automatic") // lz4-java has no module descriptor (Automatic-Module-Name)
module io.shm4j.frame {
    requires transitive io.shm4j.segment;
    requires transitive io.shm4j.array; // SharedFrame.fromRecords takes a record array
    requires org.apache.arrow.format;
    requires static org.lz4.java;
    requires static org.apache.commons.compress;
    requires static com.github.luben.zstd_jni;

    exports io.shm4j.frame;
}
