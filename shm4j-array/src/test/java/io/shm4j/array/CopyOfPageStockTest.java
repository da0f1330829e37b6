package io.shm4j.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.Settings;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code SharedArray.copyOf(javaArray)} with the page stock on ({@code shm4j.pageStock}): the
 * next array reuses the pages of the one this process closed, and what NumPy and Java read is
 * exactly the new array (no old bytes past its end, none inside it).
 */
class CopyOfPageStockTest {
    @AfterEach
    void stockOff() {
        ShmDirectory.current().releasePageStock();
        System.clearProperty(Settings.PAGE_STOCK_PROPERTY);
    }

    @Test
    void shouldReuseTheClosedArraysPagesAndHoldExactlyTheNewArray() throws Exception {
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "256m");
        double[] big = new double[600_000];
        java.util.Arrays.fill(big, 7.5);
        Object inode;
        try (SharedArray first = SharedArray.copyOf(ShmOptions.defaults(), big)) {
            inode = Files.getAttribute(first.path(), "unix:ino", LinkOption.NOFOLLOW_LINKS);
        }
        assertThat(ShmDirectory.current().pageStockBytes()).isPositive();
        long[] small = new long[300_001];
        for (int i = 0; i < small.length; i++) {
            small[i] = i;
        }
        try (SharedArray second = SharedArray.copyOf(ShmOptions.defaults(), small)) {
            assertThat(Files.getAttribute(second.path(), "unix:ino", LinkOption.NOFOLLOW_LINKS))
                    .as("the closed array's pages").isEqualTo(inode);
            assertThat(ShmDirectory.current().pageStockBytes()).isZero();
            assertThat(second.sumLong()).isEqualTo(300_000L * 300_001L / 2);
            try (SharedArray attached = SharedArray.attach(second.name())) {
                assertThat(attached.dtype()).isEqualTo(DType.INT64);
                assertThat(attached.shape()).containsExactly(300_001L);
            }
            String out = Processes.python("""
                    import sys, os, numpy as np
                    a = np.load(sys.argv[1], mmap_mode="r")
                    print(a.dtype, a.shape, int(a.sum()), os.path.getsize(sys.argv[1]) - a.offset - a.nbytes)
                    """, second.path().toString()).assertOk().stdout().trim();
            assertThat(out).isEqualTo("int64 (300001,) " + (300_000L * 300_001L / 2) + " 0");
        }
    }

    @Test
    void shouldCopyALargeArrayIntoStockPagesInTwoHalvesExactly() {
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "256m");
        int n = (int) (NpyImage.HALVES_MIN_BYTES / Double.BYTES) + 12_345; // over the threshold, odd halves
        double[] first = new double[n];
        java.util.Arrays.fill(first, -1.0);
        try (SharedArray a = SharedArray.copyOf(ShmOptions.defaults(), first)) {
            assertThat(a.size()).isEqualTo(n);
        }
        double[] second = new double[n];
        for (int i = 0; i < n; i++) {
            second[i] = i * 0.5 - 3;
        }
        try (SharedArray b = SharedArray.copyOf(ShmOptions.defaults(), second)) {
            assertThat(ShmDirectory.current().pageStockBytes()).as("the first array's pages were taken").isZero();
            assertThat(b.toDoubleArray()).isEqualTo(second);
        }
    }
}
