package io.shm4j.ray.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Ray 2.58's Java API reports error types it does not know (NODE_DIED) as unrecognized metadata. */
class RayErrorTypeTest {
    @Test
    void shouldReadRaysErrorTypeFromTheUnrecognizedMetadata() {
        assertThat(RayDriverPool.rayErrorType(new IllegalArgumentException("Unrecognized metadata [50, 51]")))
                .isEqualTo(RayDriverPool.NODE_DIED);
        assertThat(RayDriverPool.rayErrorType(new RuntimeException("wrapped",
                new IllegalArgumentException("Unrecognized metadata [49, 53]")))).isEqualTo(RayDriverPool.LOCAL_RAYLET_DIED);
        assertThat(RayDriverPool.rayErrorType(new IllegalArgumentException("Unrecognized metadata [50, 50]")))
                .isEqualTo(RayDriverPool.OUT_OF_MEMORY);
        assertThat(RayDriverPool.rayErrorType(new IllegalArgumentException("Unrecognized metadata [120]"))).isEqualTo(-1);
        assertThat(RayDriverPool.rayErrorType(new IllegalArgumentException("something else"))).isEqualTo(-1);
        assertThat(RayDriverPool.rayErrorType(new IllegalStateException("Unrecognized metadata [50, 51]"))).isEqualTo(-1);
    }
}
