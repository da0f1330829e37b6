package io.shm4j.frame.internal;

import io.shm4j.frame.CompressedFrameException;
import io.shm4j.frame.FrameFormatException;
import io.shm4j.segment.internal.Native;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.apache.arrow.flatbuf.CompressionType;

/**
 * The codecs of compressed Arrow IPC buffers, from two well-kept libraries that are optional
 * dependencies of this module: LZ4 frame ({@code at.yawk.lz4:lz4-java}, the maintained
 * continuation of {@code org.lz4:lz4-java}, and {@code org.apache.commons:commons-compress} for
 * frames of linked blocks) and ZSTD ({@code com.github.luben:zstd-jni}). When a
 * library is missing from the class path the error says which one to add. Stateless; safe to call
 * from many threads at once.
 */
final class IpcCodecs {
    /** Set to {@code true} to decode LZ4 frames in Java even when liblz4 is installed. */
    static final String LZ4_JAVA_PROPERTY = "shm4j.lz4.java";
    private static final boolean NATIVE_LZ4 = !Boolean.getBoolean(LZ4_JAVA_PROPERTY) && Native.Lz4Frame.available();
    /** Per-thread buffer liblz4 decodes into before {@link Native#kernelCopy} moves it into the segment. */
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> java.lang.foreign.Arena.ofAuto().allocate(4 << 20, 64));

    private IpcCodecs() {}

    /** Decompresses {@code src} (one buffer's compressed bytes, without the length prefix) into all of {@code dst}. */
    static void decompress(byte codec, MemorySegment src, MemorySegment dst, String where) {
        decompress(codec, src, dst, where, NATIVE_LZ4);
    }

    /** As {@link #decompress(byte, MemorySegment, MemorySegment, String)}, choosing the LZ4 decoder (for tests). */
    static void decompress(byte codec, MemorySegment src, MemorySegment dst, String where, boolean nativeLz4) {
        try {
            long n = switch (codec) {
                case CompressionType.LZ4_FRAME -> Lz4.decompress(src, dst, nativeLz4);
                case CompressionType.ZSTD -> Zstd.decompress(src, dst);
                default -> throw new CompressedFrameException("unknown compression codec: codec=" + codec + ", in " + where);
            };
            if (n != dst.byteSize()) {
                throw new FrameFormatException("compressed buffer has another length than declared: " + where
                        + ", declared=" + dst.byteSize() + ", decompressed=" + n);
            }
        } catch (NoClassDefFoundError e) {
            String lib = codec == CompressionType.ZSTD ? "com.github.luben:zstd-jni"
                    : "at.yawk.lz4:lz4-java and org.apache.commons:commons-compress";
            CompressedFrameException x = new CompressedFrameException("no " + CompressionType.name(codec)
                    + " codec on the class path: add " + lib + " (the shm4j CLI has it), or write the file uncompressed");
            x.initCause(e);
            throw x;
        } catch (FrameFormatException e) {
            throw e;
        } catch (RuntimeException | IOException e) {
            throw new FrameFormatException("corrupt compressed buffer: " + where + ", codec="
                    + CompressionType.name(codec) + ", error=" + e, e);
        }
    }

    /**
     * LZ4 frame format (what Arrow writes). With liblz4 on the machine ({@code liblz4.so.1}),
     * its {@code LZ4F_decompress} through the segment module's native door: every frame kind, at
     * C speed, decoded into a per-thread 4 MiB buffer that {@link Native#kernelCopy} moves into
     * the segment (fresh segment pages are then filled by the kernel, not faulted in one by one). Otherwise (or with
     * {@code -Dshm4j.lz4.java=true}) the Java decoders: frames of independent blocks go through lz4-java's
     * frame decoder; frames of linked blocks (Arrow C++'s default for buffers over one 64 KiB
     * block), which it does not support, through commons-compress's frame decoder. The FLG byte
     * after the 4-byte magic says which (bit 5: block independence).
     */
    private static final class Lz4 {
        static long decompress(MemorySegment src, MemorySegment dst, boolean nativeLz4) throws IOException {
            if (nativeLz4) {
                return dst.isNative() ? Native.Lz4Frame.decompress(src, dst, SCRATCH.get())
                        : Native.Lz4Frame.decompress(src, dst);
            }
            boolean independent = src.byteSize() > 4 && (src.get(ValueLayout.JAVA_BYTE, 4) & 0x20) != 0;
            long at = 0;
            long cap = dst.byteSize();
            byte[] buf = new byte[1 << 17];
            try (InputStream in = independent ? new net.jpountz.lz4.LZ4FrameInputStream(new SegmentInputStream(src))
                    : new org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream(
                            new SegmentInputStream(src))) {
                int r;
                while ((r = in.read(buf)) > 0) {
                    if (at + r > cap) {
                        throw new FrameFormatException("compressed buffer longer than declared: declared=" + cap);
                    }
                    MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_BYTE, at, r);
                    at += r;
                }
            }
            return at;
        }
    }

    /** ZSTD frames, decompressed straight into the target by zstd-jni. */
    private static final class Zstd {
        static long decompress(MemorySegment src, MemorySegment dst) {
            if (src.byteSize() > Integer.MAX_VALUE || dst.byteSize() > Integer.MAX_VALUE) {
                try (InputStream in = new com.github.luben.zstd.ZstdInputStream(new SegmentInputStream(src))) {
                    long at = 0;
                    byte[] buf = new byte[1 << 17];
                    int r;
                    while ((r = in.read(buf)) > 0) {
                        if (at + r > dst.byteSize()) {
                            throw new FrameFormatException("compressed buffer longer than declared: declared="
                                    + dst.byteSize());
                        }
                        MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_BYTE, at, r);
                        at += r;
                    }
                    return at;
                } catch (IOException e) {
                    throw new FrameFormatException("corrupt ZSTD buffer: error=" + e, e);
                }
            }
            if (!src.isNative()) {
                byte[] out = com.github.luben.zstd.Zstd.decompress(src.toArray(ValueLayout.JAVA_BYTE), (int) dst.byteSize());
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, 0, out.length);
                return out.length;
            }
            long n = com.github.luben.zstd.Zstd.decompressDirectByteBuffer(dst.asByteBuffer(), 0, (int) dst.byteSize(),
                    src.asByteBuffer(), 0, (int) src.byteSize());
            if (com.github.luben.zstd.Zstd.isError(n)) {
                throw new FrameFormatException("corrupt ZSTD buffer: error=" + com.github.luben.zstd.Zstd.getErrorName(n));
            }
            return n;
        }
    }

    /** Reads a memory segment as a stream, without copying it first. */
    private static final class SegmentInputStream extends InputStream {
        private final MemorySegment src;
        private long pos;

        SegmentInputStream(MemorySegment src) {
            this.src = src;
        }

        @Override
        public int read() {
            return pos < src.byteSize() ? src.get(ValueLayout.JAVA_BYTE, pos++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long left = src.byteSize() - pos;
            if (left <= 0) {
                return len == 0 ? 0 : -1;
            }
            int n = (int) Math.min(len, left);
            MemorySegment.copy(src, ValueLayout.JAVA_BYTE, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, src.byteSize() - pos);
        }
    }
}
