package io.shm4j.frame.internal;

import io.shm4j.frame.FrameFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Offsets, constants and range checks of the Arrow IPC <i>file</i> format as shm4j writes and
 * reads it. All integers are little-endian.
 *
 * <pre>
 * file:
 *   0        6    8
 *   +--------+----+------------------------------------------+--------+--------+--------+
 *   | ARROW1 | 00 | stream: Schema message                    | Footer | footer | ARROW1 |
 *   |        | 00 |   DictionaryBatch messages (0..n)         | (flat- | length |        |
 *   |        |    |   RecordBatch messages (1..n)             | buffer)| int32  |        |
 *   |        |    |   EOS: FFFFFFFF 00000000                  |        |        |        |
 *   +--------+----+------------------------------------------+--------+--------+--------+
 *                                                                   size-10  size-6   size
 *
 * encapsulated message (Block.offset points at its first byte):
 *   +----------+----------+----------------------+---------+-----------------------------+
 *   | FFFFFFFF | metaLen  | Message flatbuffer   | padding | body: buffers, each at a    |
 *   | int32    | int32    | (header: Schema,     | to 8    | 64-aligned offset relative  |
 *   |          |          |  DictionaryBatch or  | (shm4j: | to the body; Buffer structs |
 *   |          |          |  RecordBatch)        | to 64)  | in the header locate them   |
 *   +----------+----------+----------------------+---------+-----------------------------+
 *   |========= Block.metaDataLength = 8 + metaLen =========|====== Block.bodyLength ======|
 *
 * buffers of one column in a batch:  validity bitmap (LSB first; empty if no nulls),
 *   then values (fixed width / bits / dictionary indices), or offsets + UTF-8 data for strings.
 * </pre>
 *
 * shm4j writes the body of every batch at a file offset that is a multiple of
 * {@link #ALIGNMENT}; readers accept any alignment (pyarrow's default is 8) because views read
 * with unaligned layouts.
 */
public final class ArrowFileLayout {
    /** The magic at both ends of the file. */
    public static final byte[] MAGIC = "ARROW1".getBytes(StandardCharsets.US_ASCII);
    /** Bytes before the first message: magic and two padding bytes. */
    public static final int HEADER_LENGTH = 8;
    /** Bytes after the footer: int32 footer length and magic. */
    public static final int TRAILER_LENGTH = 4 + 6;
    /** Smallest possible file. */
    public static final int MIN_FILE_SIZE = HEADER_LENGTH + TRAILER_LENGTH;
    /** The continuation marker that starts every encapsulated message (since format 0.15). */
    public static final int CONTINUATION = 0xFFFFFFFF;
    /** Alignment of every buffer shm4j writes. */
    public static final int ALIGNMENT = 64;
    /** Largest metadata flatbuffer accepted (a schema of 100k columns fits easily). */
    public static final int MAX_METADATA_LENGTH = 256 << 20;

    /** Little-endian int, unaligned. */
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    /** Little-endian long, unaligned. */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private ArrowFileLayout() {}

    /** Rounds {@code n} up to a multiple of {@code alignment} (a power of two). */
    public static long align(long n, long alignment) {
        return (n + alignment - 1) & -alignment;
    }

    /** Bytes of a validity or bool bitmap of {@code n} bits. */
    public static long bitmapBytes(long n) {
        return (n + 7) >>> 3;
    }

    /** Checks the size and both magics; explains what the bytes are if they are not a file. */
    public static void checkMagic(MemorySegment file) {
        long size = file.byteSize();
        if (size >= 4 && file.get(INT, 0) == CONTINUATION) {
            throw new FrameFormatException("not an Arrow IPC file but an Arrow IPC stream: size=" + size
                    + "; put it into shared memory with `shm4j put` or SharedFrame.putFile (which write the file"
                    + " format), or write it with pyarrow.ipc.new_file");
        }
        if (size < MIN_FILE_SIZE) {
            throw new FrameFormatException("truncated Arrow IPC file: size=" + size + ", minimum="
                    + MIN_FILE_SIZE);
        }
        if (!startsWithMagic(file, 0)) {
            throw new FrameFormatException("wrong magic: expected=ARROW1, found=" + hex(file, 0, 6)
                    + ", size=" + size + "; this is not an Arrow IPC file (feather v1 and parquet are not supported)");
        }
        if (!startsWithMagic(file, size - MAGIC.length)) {
            throw new FrameFormatException("truncated Arrow IPC file: the trailing magic ARROW1 is missing,"
                    + " size=" + size + ", found=" + hex(file, size - MAGIC.length, MAGIC.length));
        }
    }

    /**
     * Checks that {@code [offset, offset + length)} lies in {@code [0, limit)}, without overflow.
     *
     * @throws FrameFormatException naming {@code what} otherwise
     */
    public static void checkRange(String what, long offset, long length, long limit) {
        if (offset < 0 || length < 0 || offset > limit || length > limit - offset) {
            throw new FrameFormatException(what + " out of range: offset=" + offset + ", length=" + length
                    + ", limit=" + limit);
        }
    }

    /** Whether {@code file} holds the magic {@code ARROW1} at {@code at}. */
    public static boolean startsWithMagic(MemorySegment file, long at) {
        if (at < 0 || file.byteSize() - at < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (file.get(ValueLayout.JAVA_BYTE, at + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static String hex(MemorySegment file, long at, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n && at + i < file.byteSize(); i++) {
            b.append(String.format("%02x", file.get(ValueLayout.JAVA_BYTE, at + i) & 0xff));
        }
        return b.toString();
    }
}
