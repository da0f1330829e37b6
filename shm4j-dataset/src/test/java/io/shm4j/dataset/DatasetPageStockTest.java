package io.shm4j.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.Settings;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A writer with the page stock on ({@code shm4j.pageStock}): a replaced version's file goes into
 * the writer's stock, and a later publish reuses its pages — only once no process maps it (a
 * lease in this process, a reader JVM holding it, which keeps its bytes meanwhile).
 */
class DatasetPageStockTest {
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    /** 1 MiB of data: the stock keeps files of at least 1 MiB. */
    private static final int ELEMENTS = 1 << 17;

    @BeforeEach
    void stockOn() {
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
    }

    @AfterEach
    void stockOff() {
        ShmDirectory.current().releasePageStock();
        System.clearProperty(Settings.PAGE_STOCK_PROPERTY);
    }

    private static SharedArray filled(ShmOptions opts, long value) {
        long[] a = new long[ELEMENTS];
        Arrays.fill(a, value);
        return SharedArray.copyOf(opts, a);
    }

    private static Object inode(String segment) throws IOException {
        return Files.getAttribute(ShmDirectory.current().path().resolve(segment), "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void shouldReuseAReplacedVersionsPagesOnlyOnceNoLeaseMapsIt() throws IOException {
        String name = TestNames.unique("ds-stock");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name));
                Dataset<SharedArray> r = Dataset.attachArrays(name)) {
            w.publish(o -> filled(o, 1));
            Object v1 = inode(DatasetLayout.versionName(name, 1));
            Version<SharedArray> lease = r.current(); // maps version 1
            w.publish(o -> filled(o, 2));
            Object v2 = inode(DatasetLayout.versionName(name, 2));
            assertThat(ShmDirectory.current().pageStockBytes()).as("version 1 in the stock").isPositive();
            assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, 2));

            // version 1 is still mapped by the lease: its pages are not taken, its bytes stay
            w.publish(o -> filled(o, 3));
            assertThat(inode(DatasetLayout.versionName(name, 3))).isNotEqualTo(v1).isNotEqualTo(v2);
            assertThat(lease.value().minLong()).isEqualTo(1);
            assertThat(lease.value().maxLong()).isEqualTo(1);
            lease.close();
            try (Version<SharedArray> v = r.current()) { // the handle moves on and lets go of version 1
                assertThat(v.number()).isEqualTo(3);
            }

            // version 1 stayed in the stock; now that nobody maps it, version 4 is written into
            // its pages (the oldest first), and version 5 into version 2's
            w.publish(o -> filled(o, 4));
            assertThat(inode(DatasetLayout.versionName(name, 4))).isEqualTo(v1);
            w.publish(o -> filled(o, 5));
            assertThat(inode(DatasetLayout.versionName(name, 5))).isEqualTo(v2);
            try (Version<SharedArray> v = r.current()) {
                assertThat(v.number()).isEqualTo(5);
                assertThat(v.value().minLong()).isEqualTo(5);
                assertThat(v.value().maxLong()).isEqualTo(5);
                assertThat(v.value().shape()).containsExactly(ELEMENTS);
            }
            assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, 5));
            assertThat(ShmDirectory.current().pageStockBytes()).as("versions 3 and 4 in the stock").isPositive();
        }
        assertThat(DatasetTest.versionNames(name)).isEmpty();
    }

    @Test
    void shouldWriteIntoAReplacedVersionThroughTheWritersOwnMappingOfIt() throws Exception {
        String name = TestNames.unique("ds-stockmap");
        Object v1;
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 1));
            v1 = inode(DatasetLayout.versionName(name, 1));
            List<Long> v1Mapping = writableMappings(v1);
            assertThat(v1Mapping).as("the writer keeps its mapping of the current version").hasSize(1);
            w.publish(o -> filled(o, 2));
            Object v2 = inode(DatasetLayout.versionName(name, 2));
            assertThat(writableMappings(v1)).as("version 1 went into the stock with it").isEqualTo(v1Mapping);
            w.publish(o -> filled(o, 3));
            assertThat(inode(DatasetLayout.versionName(name, 3))).isEqualTo(v1);
            assertThat(writableMappings(v1)).as("version 3 written through that same mapping").isEqualTo(v1Mapping);
            w.publish(o -> filled(o, 4));
            assertThat(inode(DatasetLayout.versionName(name, 4))).isEqualTo(v2);
            try (Dataset<SharedArray> r = Dataset.attachArrays(name); Version<SharedArray> v = r.current()) {
                assertThat(v.number()).isEqualTo(4);
                assertThat(v.value().minLong()).isEqualTo(4);
                assertThat(v.value().maxLong()).isEqualTo(4);
            }
            String sum = Processes.python("import sys; from shm4j.dataset import Dataset\n"
                    + "k, a = Dataset(sys.argv[1]).current()\n"
                    + "print(k, int(a.sum()), int(a.min()))", name).assertOk().stdout().trim();
            assertThat(sum).as("a Python reader sees version 4 whole").isEqualTo("4 " + 4L * ELEMENTS + " 4");
        }
        assertThat(writableMappings(v1)).as("version 3's file sits in the stock with its mapping").hasSize(1);
        ShmDirectory.current().releasePageStock();
        assertThat(writableMappings(v1)).as("closing the handle and the stock lets every mapping go").isEmpty();
    }

    @Test
    void shouldLetGoOfItsMappingOfAVersionThatAnotherWriterReplacedAndStocked() throws Exception {
        String name = TestNames.unique("ds-stock2w");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 1));
            Object v1 = inode(DatasetLayout.versionName(name, 1));
            assertThat(writableMappings(v1)).hasSize(1);
            try (Child other = Child.start("publish", name, Integer.toString(ELEMENTS))) {
                assertThat(other.await("PUBLISHED", DEADLINE)).isEqualTo("PUBLISHED 2");
                // version 1's file now sits, still linked, in the other writer's stock
                assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, 2));
                w.publish(o -> filled(o, 3));
                assertThat(writableMappings(v1)).as("no mapping here keeps the other writer from its pages").isEmpty();
                try (Version<SharedArray> v = w.current()) {
                    assertThat(v.number()).isEqualTo(3);
                    assertThat(v.value().minLong()).isEqualTo(3);
                    assertThat(v.value().maxLong()).isEqualTo(3);
                }
                other.endInput(); // the other writer exits normally, its stock removed
                other.assertExitsOk(DEADLINE);
            }
        }
        assertThat(DatasetTest.versionNames(name)).isEmpty();
    }

    /** Start addresses of this process's writable shared mappings of the file {@code inode}. */
    private static List<Long> writableMappings(Object inode) throws IOException {
        try (var lines = Files.lines(java.nio.file.Path.of("/proc/self/maps"))) {
            return lines.map(l -> l.trim().split("\\s+"))
                    .filter(f -> f.length >= 6 && f[1].startsWith("rw") && f[1].endsWith("s") && f[4].equals(inode.toString()))
                    .map(f -> Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16))
                    .toList();
        }
    }

    @Test
    void shouldNeverWriteIntoAVersionAnotherProcessStillMaps() throws IOException {
        String name = TestNames.unique("ds-stockp");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 1));
            Object v1 = inode(DatasetLayout.versionName(name, 1));
            try (Child reader = Child.start("hold", name)) {
                assertThat(reader.await("HOLD", DEADLINE)).isEqualTo("HOLD 1 " + ELEMENTS);
                w.publish(o -> filled(o, 2));
                Object v2 = inode(DatasetLayout.versionName(name, 2));
                w.publish(o -> filled(o, 3)); // version 1 in the stock, but mapped by the reader
                assertThat(inode(DatasetLayout.versionName(name, 3))).isNotEqualTo(v1);
                reader.send("sum");
                assertThat(reader.await("SUM", DEADLINE)).isEqualTo("SUM 1 " + ELEMENTS);
                reader.kill9();
                w.publish(o -> filled(o, 4)); // version 1's pages, which the reader let go of by dying
                assertThat(inode(DatasetLayout.versionName(name, 4))).isEqualTo(v1);
                w.publish(o -> filled(o, 5)); // then version 2's
                assertThat(inode(DatasetLayout.versionName(name, 5))).isEqualTo(v2);
            }
            try (Dataset<SharedArray> r = Dataset.attachArrays(name); Version<SharedArray> v = r.current()) {
                assertThat(v.value().sumLong()).isEqualTo(5L * ELEMENTS);
            }
        }
    }
}
