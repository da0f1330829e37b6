package io.shm4j.store.internal;

import io.shm4j.store.SpillCorruptedException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A spill file ({@code SPILLDIR/STORE/NAME.spill}): a fixed header, then the object's bytes
 * exactly as they were in shared memory. Little-endian.
 *
 * <pre>
 *   0                 8         12           16
 *   +-----------------+---------+------------+
 *   | magic SHM4JSPL  | version | metaLength |
 *   +-----------------+---------+------------+
 *  16  payloadLength  int64
 *  24  payloadCrc32c  int64 (CRC32C of the payload, low 32 bits)
 *  32  metadata       UTF-8, metaLength bytes: the object's user.shm4j.obj value
 *      (zero padding)
 * 4096 payload        payloadLength bytes (page-aligned, so reads go straight to the mapping)
 * </pre>
 *
 * A spill file appears under its final name only complete (written as {@code .tmp.*}, then
 * renamed).
 */
final class SpillFileLayout {
    static final long MAGIC = 0x4C50534A344D4853L; // "SHM4JSPL" read little-endian
    static final int VERSION = 1;
    static final int VERSION_OFFSET = 8;
    static final int META_LENGTH_OFFSET = 12;
    static final int PAYLOAD_LENGTH_OFFSET = 16;
    static final int CRC_OFFSET = 24;
    static final int META_OFFSET = 32;
    static final int HEADER_SIZE = 4096;
    static final int MAX_META = HEADER_SIZE - META_OFFSET;

    private SpillFileLayout() {}

    /**
     * A decoded header.
     *
     * @param metadata the object's metadata
     * @param payloadLength the object's size
     * @param crc32c the payload's CRC32C
     */
    record Header(ObjectXattrs.Metadata metadata, long payloadLength, long crc32c) {}

    static ByteBuffer encode(ObjectXattrs.Metadata meta, long payloadLength, long crc32c) {
        byte[] m = meta.encode().getBytes(StandardCharsets.US_ASCII);
        if (m.length > MAX_META) {
            throw new IllegalArgumentException("object metadata too long: length=" + m.length);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, MAGIC).putInt(VERSION_OFFSET, VERSION).putInt(META_LENGTH_OFFSET, m.length)
                .putLong(PAYLOAD_LENGTH_OFFSET, payloadLength).putLong(CRC_OFFSET, crc32c)
                .put(META_OFFSET, m);
        return b;
    }

    /** Decodes and checks a header against the file's size. */
    static Header decode(ByteBuffer b, long fileSize, Path file) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < HEADER_SIZE) {
            throw corrupt(file, "header truncated: size=" + fileSize);
        }
        long magic = b.getLong(0);
        if (magic != MAGIC) {
            throw corrupt(file, "magic=0x" + Long.toHexString(magic));
        }
        int version = b.getInt(VERSION_OFFSET);
        if (version != VERSION) {
            throw corrupt(file, "version=" + version + ", supported=" + VERSION);
        }
        int metaLength = b.getInt(META_LENGTH_OFFSET);
        long payload = b.getLong(PAYLOAD_LENGTH_OFFSET);
        if (metaLength < 0 || metaLength > MAX_META || payload < 0) {
            throw corrupt(file, "metaLength=" + metaLength + ", payloadLength=" + payload);
        }
        if (fileSize != HEADER_SIZE + payload) {
            throw corrupt(file, "fileSize=" + fileSize + ", expected=" + (HEADER_SIZE + payload));
        }
        byte[] m = new byte[metaLength];
        b.get(META_OFFSET, m);
        ObjectXattrs.Metadata meta = ObjectXattrs.Metadata.decode(new String(m, StandardCharsets.US_ASCII));
        if (meta == null) {
            throw corrupt(file, "metadata unreadable");
        }
        return new Header(meta, payload, b.getLong(CRC_OFFSET));
    }

    static SpillCorruptedException corrupt(Path file, String fact) {
        return new SpillCorruptedException("corrupt spill file: file=" + file + ", " + fact
                + "; the object cannot be restored: put it again");
    }
}
