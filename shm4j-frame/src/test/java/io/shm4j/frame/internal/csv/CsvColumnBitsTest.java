package io.shm4j.frame.internal.csv;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The validity bitmaps of a column's parts, written one after the other at any bit position
 * (block-wise through heap arrays), equal the bits written one by one.
 */
class CsvColumnBitsTest {
    @Test
    void shouldConcatenatePartsBitForBit() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 25; trial++) {
            int partsCount = 1 + rnd.nextInt(5);
            int[] lengths = new int[partsCount];
            long total = 0;
            for (int k = 0; k < partsCount; k++) {
                // some parts longer than a block (8192 bytes = 65536 bits), some of a few bits, some empty
                lengths[k] = switch (rnd.nextInt(4)) {
                    case 0 -> rnd.nextInt(20);
                    case 1 -> 65_536 * 8 + rnd.nextInt(200);
                    default -> rnd.nextInt(5000);
                };
                total += lengths[k];
            }
            boolean[] expected = new boolean[(int) total];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment dst = arena.allocate((total + 7) / 8 + 1);
                long at = 0;
                for (int k = 0; k < partsCount; k++) {
                    int n = lengths[k];
                    boolean allValid = rnd.nextInt(4) == 0;
                    MemorySegment src = arena.allocate((n + 7) / 8);
                    for (int i = 0; i < n; i++) {
                        boolean bit = allValid || rnd.nextBoolean();
                        expected[(int) (at + i)] = bit;
                        if (bit) {
                            src.set(ValueLayout.JAVA_BYTE, i >>> 3,
                                    (byte) (src.get(ValueLayout.JAVA_BYTE, i >>> 3) | 1 << (i & 7)));
                        }
                    }
                    if (n > 0 && rnd.nextBoolean()) { // garbage beyond the part's last bit must not leak
                        int last = (n - 1) >>> 3;
                        src.set(ValueLayout.JAVA_BYTE, last,
                                (byte) (src.get(ValueLayout.JAVA_BYTE, last) | ~((1 << ((n - 1) % 8 + 1)) - 1)));
                    }
                    if (allValid) {
                        CsvColumn.setBits(dst, at, n);
                    } else {
                        CsvColumn.copyBits(src, dst, at, n);
                    }
                    at += n;
                }
                for (int i = 0; i < total; i++) {
                    boolean got = ((dst.get(ValueLayout.JAVA_BYTE, i >>> 3) >> (i & 7)) & 1) != 0;
                    assertThat(got).as("trial=%d bit=%d", trial, i).isEqualTo(expected[i]);
                }
                for (long i = total; i < (dst.byteSize() * 8); i++) {
                    assertThat((dst.get(ValueLayout.JAVA_BYTE, i >>> 3) >> (i & 7)) & 1).as("beyond, bit=%d", i)
                            .isZero();
                }
            }
        }
    }
}
