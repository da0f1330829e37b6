package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.BadFormatException;
import io.shm4j.frame.internal.ArrowReader;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Corrupted Arrow files: only shm4j's typed exceptions may come out, never a read outside the file. */
class CorruptFrameTest {
    static byte[] validFile(long seed, int rows) {
        byte[] bytes;
        FrameModel m = FrameModel.random(new Random(seed), rows);
        var plan = m.builder().rangeIndex("idx", 3, 2).plan();
        bytes = new byte[(int) plan.size()];
        plan.writeTo(MemorySegment.ofArray(bytes));
        return bytes;
    }

    /** Reads everything there is to read: every value of every column, the head, the categories. */
    static void readFully(byte[] bytes) {
        FrameView v = FrameView.of(ArrowReader.read(MemorySegment.ofArray(bytes)));
        for (Column c : v.columns()) {
            for (long i = 0; i < c.length(); i++) {
                FrameModel.normalize(c, i);
                c.format(i);
            }
            if (c instanceof StringColumn s && s.isCategory()) {
                List<String> cats = s.categories();
                for (int i = 0; i < cats.size(); i++) {
                    cats.get(i);
                }
            }
            if (c instanceof DoubleColumn d) {
                d.nansum();
            }
            c.nullCount();
        }
        v.head(5);
        v.schemaDescription();
    }

    static void assertOnlyTypedErrors(byte[] bytes) {
        try {
            readFully(bytes);
        } catch (BadFormatException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 300)
    void shouldRaiseOnlyTypedErrorsForFlippedBytes(@ForAll long seed, @ForAll @IntRange(min = 0, max = 12) int rows,
            @ForAll @IntRange(min = 1, max = 8) int flips) {
        byte[] bytes = validFile(seed, rows);
        Random rnd = new Random(seed ^ 0x5DEECE66DL);
        for (int k = 0; k < flips; k++) {
            int at = rnd.nextInt(bytes.length);
            bytes[at] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : bytes[at] ^ (1 << rnd.nextInt(8)));
        }
        assertOnlyTypedErrors(bytes);
    }

    @Property(tries = 150)
    void shouldRaiseOnlyTypedErrorsForTruncatedFiles(@ForAll long seed, @ForAll @IntRange(min = 0, max = 12) int rows,
            @ForAll @IntRange(min = 0, max = 999) int cutPermille) {
        byte[] full = validFile(seed, rows);
        int keep = (int) ((long) full.length * cutPermille / 1000);
        byte[] cut = java.util.Arrays.copyOf(full, keep);
        assertThatThrownBy(() -> readFully(cut)).isInstanceOf(FrameFormatException.class);
    }

    @Property(tries = 100)
    void shouldRaiseOnlyTypedErrorsWhenTheMetadataIsCorrupted(@ForAll long seed, @ForAll @IntRange(min = 1, max = 12) int rows,
            @ForAll @IntRange(min = 1, max = 4) int flips) {
        // concentrate damage on the footer and the first messages, where offsets and lengths live
        byte[] bytes = validFile(seed, rows);
        Random rnd = new Random(seed);
        for (int k = 0; k < flips; k++) {
            int at = rnd.nextBoolean() ? rnd.nextInt(Math.min(bytes.length, 2048))
                    : bytes.length - 1 - rnd.nextInt(Math.min(bytes.length, 4096));
            bytes[at] = (byte) rnd.nextInt(256);
        }
        assertOnlyTypedErrors(bytes);
    }

    @Example
    void shouldReadTheUncorruptedFilesItCorrupts() {
        readFully(validFile(42, 12));
    }

    @Example
    void shouldRejectAWrongMagic() {
        byte[] bytes = validFile(1, 3);
        bytes[0] = 'X';
        assertThatThrownBy(() -> readFully(bytes)).isInstanceOf(FrameFormatException.class)
                .hasMessageContaining("wrong magic");
    }

    @Example
    void shouldRejectStringOffsetsOutOfRange() {
        FrameModel m = new FrameModel(2, List.of(new FrameModel.Col("s", ColumnType.STRING, null,
                new Object[] {"abc", "defgh"})));
        var plan = m.builder().plan();
        byte[] bytes = new byte[(int) plan.size()];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        plan.writeTo(seg);
        FrameView ok = FrameView.of(ArrowReader.read(seg));
        StringColumn s = ok.strings("s");
        // find the offsets buffer: the int32 sequence 0, 3, 8 — and make the middle offset point past the data
        long at = -1;
        for (long p = 0; p + 12 <= bytes.length; p += 4) {
            if (seg.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, p) == 0
                    && seg.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, p + 4) == 3
                    && seg.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, p + 8) == 8) {
                at = p;
                break;
            }
        }
        assertThat(at).isNotNegative();
        seg.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, at + 4, 1_000_000);
        assertThatThrownBy(() -> s.get(0)).isInstanceOf(FrameFormatException.class)
                .hasMessageContaining("string offsets out of range");
    }
}
