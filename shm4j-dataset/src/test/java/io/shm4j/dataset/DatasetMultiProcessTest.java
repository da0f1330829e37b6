package io.shm4j.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.Settings;
import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.TestNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Datasets across real processes: readers hammering, writers and readers killed with SIGKILL. */
class DatasetMultiProcessTest {
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final int VERSIONS = 1_000;
    private static final int ELEMENTS = 4_096;

    private static SharedArray filled(ShmOptions opts, long value) {
        return SharedArray.fromLongFunction(opts, DType.INT64, new long[] {ELEMENTS}, i -> value);
    }

    @Test
    void shouldNeverShowATornOrOlderVersionToThreeReaderProcessesAcrossAThousandPublishes() {
        String name = TestNames.unique("ds-hammer");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 1));
            List<Child> readers = new ArrayList<>();
            try {
                startReaders(readers, name, VERSIONS);
                for (long k = 2; k <= VERSIONS; k++) {
                    long v = k;
                    assertThat(w.publish(o -> filled(o, v))).isEqualTo(k);
                }
                for (Child r : readers) {
                    String done = r.await("DONE", DEADLINE);
                    assertThat(Long.parseLong(done.replaceAll(".*versions=", ""))).isPositive();
                    r.assertExitsOk(DEADLINE);
                }
            } finally {
                readers.forEach(Child::close);
            }
            assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, VERSIONS));
            assertThat(DatasetAdmin.gc(ShmDirectory.current(), true).removed()).noneMatch(n -> n.startsWith(name));
        }
        assertThat(DatasetTest.versionNames(name)).isEmpty();
    }

    /**
     * The same with the writer's page stock on: replaced versions (1 MiB) go into the stock and
     * later versions are written into their pages once no reader maps them. A reader that still
     * mapped a file being rewritten would see a torn version.
     */
    @Test
    void shouldNeverShowATornVersionWhenTheWriterReusesReplacedVersionsPages() throws IOException {
        String name = TestNames.unique("ds-hammer-stock");
        int versions = 300;
        int elements = 1 << 17;
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            java.util.function.LongFunction<java.util.function.Function<ShmOptions, SharedArray>> version = k -> o -> {
                long[] a = new long[elements];
                java.util.Arrays.fill(a, k);
                return SharedArray.copyOf(o, a);
            };
            w.publish(version.apply(1));
            List<Child> readers = new ArrayList<>();
            Set<Object> inodes = new HashSet<>();
            int reused = 0;
            try {
                startReaders(readers, name, versions);
                for (long k = 2; k <= versions; k++) {
                    assertThat(w.publish(version.apply(k))).isEqualTo(k);
                    Path file = ShmDirectory.current().path().resolve(DatasetLayout.versionName(name, k));
                    if (!inodes.add(Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                        reused++;
                    }
                }
                for (Child r : readers) {
                    r.await("DONE", DEADLINE);
                    r.assertExitsOk(DEADLINE);
                }
            } finally {
                readers.forEach(Child::close);
            }
            assertThat(reused).as("versions written into a replaced version's pages").isPositive();
            assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, versions));
        } finally {
            ShmDirectory.current().releasePageStock();
            System.clearProperty(Settings.PAGE_STOCK_PROPERTY);
        }
        assertThat(DatasetTest.versionNames(name)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Dataset.Stage.class)
    void shouldLeaveThePreviousVersionCurrentWhenAWriterIsKilledMidPublish(Dataset.Stage stage) {
        String name = TestNames.unique("ds-wkill");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 1));
            try (Child writer = Child.start("write", name, stage.name(), Integer.toString(ELEMENTS))) {
                writer.await("AT " + stage, DEADLINE);
                writer.kill9();
            }
            long expected = stage == Dataset.Stage.BUMPED ? 2 : 1;
            try (Dataset<SharedArray> r = Dataset.attachArrays(name); Version<SharedArray> v = r.current()) {
                assertThat(v.number()).isEqualTo(expected);
                assertThat(v.value().minLong()).isEqualTo(expected);
                assertThat(v.value().maxLong()).isEqualTo(expected);
            }
            // what the dead writer left: its staging segment; after LINKED also version 2 (never
            // current) and the lock; after BUMPED version 1 (no longer current)
            List<String> left = DatasetTest.versionNames(name);
            assertThat(left).anyMatch(n -> DatasetLayout.parseStaging(n) != null);
            DatasetGcReport gc = DatasetAdmin.gc(ShmDirectory.current(), false);
            assertThat(gc.busy()).doesNotContain(name);
            assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, expected));
            // the next writer takes the dead writer's lock over and publishes the next version
            long next = w.publish(o -> filled(o, expected + 1));
            assertThat(next).isEqualTo(expected + 1);
            try (Dataset<SharedArray> r = Dataset.attachArrays(name); Version<SharedArray> v = r.current()) {
                assertThat(v.value().sumLong()).isEqualTo((expected + 1) * ELEMENTS);
            }
            assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, next));
        }
    }

    @Test
    void shouldTakeOverTheLockAndDropTheLeftoverWhenTheNextWriterPublishesWithoutGc() {
        String name = TestNames.unique("ds-wkill2");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 1));
            try (Child writer = Child.start("write", name, "LINKED", Integer.toString(ELEMENTS))) {
                writer.await("AT LINKED", DEADLINE);
                writer.kill9();
            }
            assertThat(DatasetAdmin.info(ShmDirectory.current(), name).writer()).isZero(); // holder is dead
            assertThat(w.publish(o -> filled(o, 2), Duration.ofSeconds(5))).isEqualTo(2);
            try (Dataset<SharedArray> r = Dataset.attachArrays(name); Version<SharedArray> v = r.current()) {
                assertThat(v.value().minLong()).isEqualTo(2); // not the dead writer's leftover
            }
            DatasetAdmin.gc(ShmDirectory.current(), false); // its staging segment
            assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, 2));
        }
    }

    @Test
    void shouldKeepAnOldVersionForALaggingReaderAndFreeItWhenTheReaderIsKilled() throws IOException {
        String name = TestNames.unique("ds-rkill");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 1));
            String v1 = DatasetLayout.versionName(name, 1);
            try (Child reader = Child.start("hold", name)) {
                assertThat(reader.await("HOLD", DEADLINE)).isEqualTo("HOLD 1 " + ELEMENTS);
                w.publish(o -> filled(o, 2));
                assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, 2));
                // the name of version 1 is gone, but the lagging reader still maps and reads it
                reader.send("sum");
                assertThat(reader.await("SUM", DEADLINE)).isEqualTo("SUM 1 " + ELEMENTS);
                assertThat(mapsDeleted(reader.pid(), v1)).isTrue();
                reader.kill9();
            }
            DatasetGcReport gc = DatasetAdmin.gc(ShmDirectory.current(), false);
            assertThat(gc.busy()).isEmpty();
            assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, 2));
            assertThat(ShmDirectory.current().gc(false).segments()).doesNotContain(name);
        }
    }

    /** Three reader processes reading until version {@code last}, the third following in the background; waits until each has read. */
    private static void startReaders(List<Child> readers, String name, long last) {
        for (int i = 0; i < 3; i++) {
            readers.add(i < 2 ? Child.start("read", name, Long.toString(last))
                    : Child.start("read", name, Long.toString(last), "follow"));
        }
        for (Child r : readers) {
            r.await("READY", DEADLINE);
        }
    }

    private static boolean mapsDeleted(long pid, String segment) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps")).stream()
                .anyMatch(l -> l.contains("/" + segment + " (deleted)"));
    }
}
