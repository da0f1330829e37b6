package io.shm4j.frame.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shm4j.frame.FrameFormatException;
import io.shm4j.segment.internal.Native;
import io.shm4j.testkit.Processes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.flatbuf.CompressionType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * liblz4 through the native door and the Java fallback decode the same LZ4 frames pyarrow
 * writes (linked 64 KiB blocks, as Arrow C++ compresses IPC buffers), and both refuse corrupt,
 * truncated and over-long input with a {@link FrameFormatException}.
 */
class Lz4DecodersTest {
    @TempDir
    static Path dir;
    static byte[] plain;
    static byte[] frame;

    @BeforeAll
    static void writeFrames() throws Exception {
        Processes.python("""
                import sys, numpy as np, pyarrow as pa
                d = sys.argv[1]
                rng = np.random.default_rng(7)
                # 1 MiB of compressible but not trivial bytes: many linked blocks that refer back
                x = (rng.integers(0, 50, 1 << 18, dtype=np.int32) * 3).tobytes()
                open(d + "/plain.bin", "wb").write(x)
                open(d + "/frame.lz4", "wb").write(pa.compress(x, codec="lz4", asbytes=True))
                print("ok")
                """, dir.toString()).assertOk();
        plain = Files.readAllBytes(dir.resolve("plain.bin"));
        frame = Files.readAllBytes(dir.resolve("frame.lz4"));
        assertThat(frame[4] & 0x20).as("pyarrow links the blocks of a frame").isZero();
    }

    static byte[] decode(byte[] src, int dstSize, boolean nativeLz4) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(src.length);
            MemorySegment.copy(src, 0, s, ValueLayout.JAVA_BYTE, 0, src.length);
            MemorySegment d = a.allocate(dstSize);
            IpcCodecs.decompress(CompressionType.LZ4_FRAME, s, d, "test", nativeLz4);
            return d.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void shouldDecodeLinkedBlocksInJava() {
        assertThat(decode(frame, plain.length, false)).isEqualTo(plain);
    }

    @Test
    void shouldDecodeLinkedBlocksWithLiblz4() {
        assumeTrue(Native.Lz4Frame.available(), "liblz4.so.1 is not installed");
        assertThat(decode(frame, plain.length, true)).isEqualTo(plain);
        // a heap source goes through a native copy
        MemorySegment out = Arena.ofAuto().allocate(plain.length);
        assertThat(Native.Lz4Frame.decompress(MemorySegment.ofArray(frame), out)).isEqualTo(plain.length);
        assertThat(out.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(plain);
    }

    @Test
    void shouldDecodeThroughASmallScratchBufferAndTheKernelCopy() {
        assumeTrue(Native.Lz4Frame.available(), "liblz4.so.1 is not installed");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment src = a.allocate(frame.length);
            MemorySegment.copy(frame, 0, src, ValueLayout.JAVA_BYTE, 0, frame.length);
            MemorySegment scratch = a.allocate(1000); // many partial outputs, blocks split across them
            MemorySegment dst = a.allocate(plain.length);
            assertThat(Native.Lz4Frame.decompress(src, dst, scratch)).isEqualTo(plain.length);
            assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(plain);
            MemorySegment small = a.allocate(plain.length - 1);
            assertThat(Native.Lz4Frame.decompress(src, small, scratch)).isEqualTo(plain.length);
            assertThatThrownBy(() -> Native.Lz4Frame.decompress(src.asSlice(0, frame.length / 2), dst, scratch))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
            MemorySegment copy = a.allocate(plain.length);
            Native.kernelCopy(dst, copy);
            assertThat(copy.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(plain);
        }
    }

    @Test
    void shouldRefuseCorruptTruncatedAndOverlongFramesWithLiblz4() {
        assumeTrue(Native.Lz4Frame.available(), "liblz4.so.1 is not installed");
        byte[] truncated = java.util.Arrays.copyOf(frame, frame.length / 2);
        assertThatThrownBy(() -> decode(truncated, plain.length, true)).isInstanceOf(FrameFormatException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> decode(frame, plain.length - 1, true)).isInstanceOf(FrameFormatException.class)
                .hasMessageContaining("declared=" + (plain.length - 1));
        assertThatThrownBy(() -> decode(frame, plain.length + 1, true)).isInstanceOf(FrameFormatException.class)
                .hasMessageContaining("decompressed=" + plain.length);
        byte[] badMagic = frame.clone();
        badMagic[0] ^= 1;
        assertThatThrownBy(() -> decode(badMagic, plain.length, true)).isInstanceOf(FrameFormatException.class)
                .hasMessageContaining("LZ4");
        java.util.Random r = new java.util.Random(1);
        for (int k = 0; k < 200; k++) { // flipped bytes: an error or other bytes, never a crash or an overrun
            byte[] bad = frame.clone();
            bad[7 + r.nextInt(bad.length - 7)] ^= (byte) (1 + r.nextInt(255));
            try {
                decode(bad, plain.length, true);
            } catch (FrameFormatException expected) {
                // fine
            }
        }
    }
}
