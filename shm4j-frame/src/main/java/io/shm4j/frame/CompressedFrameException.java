package io.shm4j.frame;

/**
 * The Arrow file's record batches are compressed (LZ4 frame or ZSTD body compression). Frames
 * are read in place, so compressed buffers are refused; write the file uncompressed, for
 * example {@code df.to_feather(path, compression="uncompressed")} or
 * {@code pyarrow.ipc.new_file(sink, schema)} without {@code IpcWriteOptions(compression=...)}.
 */
public class CompressedFrameException extends FrameFormatException {
    private static final long serialVersionUID = 1L;

    public CompressedFrameException(String message) {
        super(message);
    }
}
