package io.shm4j.segment.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** {@link Native#copy}: every byte, from a Java array's memory or native memory, in one call or several. */
class NativeCopyTest {
    @ParameterizedTest(name = "size {0}")
    @ValueSource(ints = {0, 1, 4095, 4097, 1 << 20, (3 << 20) + 17})
    void shouldCopyEveryByteFromTheHeapAndFromNativeMemoryInPiecesOrWhole(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(Math.max(1, size)).asSlice(0, size);
            MemorySegment.copy(bytes, 0, offHeap, ValueLayout.JAVA_BYTE, 0, size);
            for (MemorySegment src : new MemorySegment[] {MemorySegment.ofArray(bytes), offHeap}) {
                for (long piece : new long[] {4096, 1 << 20, 256L << 20}) {
                    MemorySegment dst = arena.allocate(size + 2L).asSlice(1, size); // a guard byte either side
                    dst.fill((byte) 0x5A);
                    Native.copy(src, dst, piece);
                    assertThat(dst.mismatch(MemorySegment.ofArray(bytes))).as("heap=" + !src.isNative() + ", piece=" + piece)
                            .isEqualTo(-1L);
                }
            }
        }
    }

    @Test
    void shouldLeaveTheBytesAroundTheDestinationAlone() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment whole = arena.allocate(10_000);
            whole.fill((byte) 7);
            byte[] src = new byte[9_998];
            java.util.Arrays.fill(src, (byte) 1);
            Native.copy(MemorySegment.ofArray(src), whole.asSlice(1, src.length), 4096);
            assertThat(whole.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 7);
            assertThat(whole.get(ValueLayout.JAVA_BYTE, 9_999)).isEqualTo((byte) 7);
            assertThat(whole.get(ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) 1);
            assertThat(whole.get(ValueLayout.JAVA_BYTE, 9_998)).isEqualTo((byte) 1);
        }
    }

    @Test
    void shouldRefuseAHeapDestinationOrAnotherSize() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> Native.copy(arena.allocate(8), MemorySegment.ofArray(new byte[8])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native=false");
            assertThatThrownBy(() -> Native.copy(arena.allocate(8), arena.allocate(9)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("src=8, dst=9");
        }
    }
}
