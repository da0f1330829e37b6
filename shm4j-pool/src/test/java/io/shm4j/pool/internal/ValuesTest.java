package io.shm4j.pool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.pool.RowChunk;
import io.shm4j.segment.SegmentKind;
import io.shm4j.segment.SegmentRef;
import io.shm4j.store.ObjectRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ValuesTest {
    private static Object roundTrip(Object v) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Values.encode(v, new DataOutputStream(b));
        return Values.decode(new DataInputStream(new ByteArrayInputStream(b.toByteArray())));
    }

    @Test
    void shouldRoundTripEveryTaggedTypeAndSerializableObjects() throws IOException {
        SegmentRef ref = new SegmentRef("seg", SegmentKind.FRAME, 123, 0xabcdefL);
        ObjectRef<Object> object = new ObjectRef<>("jobs", "jobs.00ff", 0x1234L, 99, "npy");
        for (Object v : List.of(1, -7L, 2.5, 1.5f, true, "héllo", ref, new RowChunk(ref, 3, 10, 20), object,
                new BigDecimal("1.25"), List.of(1, "a"))) {
            assertThat(roundTrip(v)).isEqualTo(v);
        }
        assertThat(roundTrip(null)).isNull();
        assertThat((byte[]) roundTrip(new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
        assertThat((double[]) roundTrip(new double[] {1, Double.NaN})).containsExactly(1, Double.NaN);
    }

    @Test
    void shouldRoundTripDoubleArraysAcrossBulkChunkBoundaries() throws IOException {
        java.util.Random r = new java.util.Random(7);
        for (int n : new int[] {0, 1, 65_535, 65_536, 65_537, 200_001}) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = i % 97 == 0 ? Double.NaN : r.nextGaussian() * 1e6;
            }
            if (n > 0) {
                d[n - 1] = -0.0;
            }
            double[] back = (double[]) roundTrip(d);
            assertThat(back).hasSize(n);
            for (int i = 0; i < n; i++) {
                assertThat(Double.doubleToRawLongBits(back[i])).as("index %d of %d", i, n)
                        .isEqualTo(Double.doubleToRawLongBits(d[i]));
            }
        }
    }

    @Property
    void shouldRoundTripAnyString(@ForAll String s) throws IOException {
        assertThat(roundTrip(s)).isEqualTo(s);
    }

    @Property
    void shouldRoundTripAnyLongAndDouble(@ForAll long l, @ForAll double d) throws IOException {
        assertThat(roundTrip(l)).isEqualTo(l);
        assertThat(roundTrip(d)).isEqualTo(d);
    }
}
