package io.shm4j.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.testkit.TestNames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** {@link PendingSegment#write}: bytes written through the file, seen by the mapping and by attachers. */
class PendingSegmentWriteTest {
    @Test
    void shouldWriteJavaArraysAndNativeMemoryThroughTheFile() {
        String name = TestNames.unique("pwrite");
        // larger than one 8 MiB call from a Java array, not a multiple of it
        double[] heap = new double[(9 << 20) / 8 + 3];
        for (int i = 0; i < heap.length; i++) {
            heap[i] = i * 0.5;
        }
        long heapBytes = heap.length * 8L;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment off = arena.allocate(4096 + 5);
            for (int i = 0; i < off.byteSize(); i++) {
                off.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
            }
            try (PendingSegment pending = Segment.reserve(SegmentSpec.of(16 + heapBytes + off.byteSize()).withName(name))) {
                pending.write(0, MemorySegment.ofArray(new long[] {0x0102030405060708L, -1L}));
                pending.write(16, MemorySegment.ofArray(heap));
                pending.write(16 + heapBytes, off);
                MemorySegment m = pending.memory();
                assertThat(m.get(ValueLayout.JAVA_LONG, 0)).as("seen by the mapping at once").isEqualTo(0x0102030405060708L);
                try (Segment published = pending.publish(); Segment other = Segment.attach(name)) {
                    MemorySegment o = other.memory();
                    assertThat(o.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(-1L);
                    assertThat(o.asSlice(16, heapBytes).toArray(ValueLayout.JAVA_DOUBLE)).isEqualTo(heap);
                    assertThat(o.asSlice(16 + heapBytes).toArray(ValueLayout.JAVA_BYTE))
                            .isEqualTo(off.toArray(ValueLayout.JAVA_BYTE));
                    assertThat(published.size()).isEqualTo(16 + heapBytes + off.byteSize());
                }
            }
        }
    }

    @Test
    void shouldRefuseWritesOutsideTheSegmentOrAfterPublish() {
        String name = TestNames.unique("pwrite-bounds");
        try (PendingSegment pending = Segment.reserve(SegmentSpec.of(64).withName(name))) {
            assertThatThrownBy(() -> pending.write(60, MemorySegment.ofArray(new byte[8])))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> pending.write(-1, MemorySegment.ofArray(new byte[1])))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            pending.write(56, MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
            try (Segment published = pending.publish()) {
                assertThat(published.memory().get(ValueLayout.JAVA_BYTE, 63)).isEqualTo((byte) 8);
                assertThatThrownBy(() -> pending.write(0, MemorySegment.ofArray(new byte[1])))
                        .isInstanceOf(SegmentClosedException.class);
            }
        }
    }
}
