package io.shm4j.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentRef;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class RowChunkTest {
    private static final SegmentRef REF = new SegmentRef("x", SegmentKind.ARRAY, 8, 1);

    @Property
    void shouldSplitRowsIntoContiguousChunksOfNearlyEqualSize(@ForAll @LongRange(max = 1_000_000) long rows,
            @ForAll @IntRange(min = 1, max = 64) int parts) {
        List<RowChunk> chunks = RowChunk.split(REF, rows, parts);
        assertThat(chunks).hasSize((int) Math.min(rows, parts));
        long next = 0;
        for (int i = 0; i < chunks.size(); i++) {
            RowChunk c = chunks.get(i);
            assertThat(c.index()).isEqualTo(i);
            assertThat(c.start()).isEqualTo(next);
            assertThat(c.rows()).isPositive();
            next = c.end();
        }
        assertThat(next).isEqualTo(rows);
        long min = chunks.stream().mapToLong(RowChunk::rows).min().orElse(0);
        long max = chunks.stream().mapToLong(RowChunk::rows).max().orElse(0);
        assertThat(max - min).isLessThanOrEqualTo(1);
    }

    @Test
    void shouldRejectBadArguments() {
        assertThatThrownBy(() -> RowChunk.split(REF, -1, 2)).hasMessageContaining("rowCount=-1");
        assertThatThrownBy(() -> RowChunk.split(REF, 10, 0)).hasMessageContaining("parts=0");
        assertThatThrownBy(() -> new RowChunk(REF, 0, 5, 4)).hasMessageContaining("start=5, end=4");
    }
}
