package io.shm4j.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.frame.SharedFrame;
import io.shm4j.segment.Access;
import io.shm4j.segment.SegmentClosedException;
import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.TestNames;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetTest {
    private static SharedArray filled(io.shm4j.segment.ShmOptions opts, long value, int n) {
        return SharedArray.fromLongFunction(opts, DType.INT64, new long[] {n}, i -> value);
    }

    static List<String> versionNames(String name) {
        return ShmDirectory.current().list().stream().map(SegmentInfo::name)
                .filter(n -> n.startsWith(name + DatasetLayout.SEPARATOR)).toList();
    }

    @Test
    void shouldPublishVersionsAndMoveReadersOnWhenTheyAsk() {
        String name = TestNames.unique("ds");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name));
                Dataset<SharedArray> r = Dataset.attachArrays(name)) {
            assertThat(r.currentNumber()).isZero();
            assertThatThrownBy(r::current).isInstanceOf(NoVersionException.class).hasMessageContaining("name=" + name);
            assertThat(w.publish(o -> filled(o, 1, 100))).isEqualTo(1);
            Version<SharedArray> old = r.current();
            assertThat(old.number()).isEqualTo(1);
            assertThat(old.value().sumLong()).isEqualTo(100);
            try (Version<SharedArray> same = r.current()) {
                assertThat(same.value()).isSameAs(old.value()); // fast path: the same mapping
            }
            assertThat(w.publish(o -> filled(o, 2, 100))).isEqualTo(2);
            assertThat(versionNames(name)).containsExactly(DatasetLayout.versionName(name, 2));
            try (Version<SharedArray> now = r.current()) {
                assertThat(now.number()).isEqualTo(2);
                assertThat(now.value().sumLong()).isEqualTo(200);
                // the old lease still reads its version, although its name is gone
                assertThat(old.value().sumLong()).isEqualTo(100);
            }
            old.close();
            old.close();
            assertThatThrownBy(old::value).isInstanceOf(SegmentClosedException.class);
            DatasetInfo info = DatasetAdmin.info(ShmDirectory.current(), name);
            assertThat(info.current()).isEqualTo(2);
            assertThat(info.publishCount()).isEqualTo(2);
            assertThat(info.versions()).hasSize(1);
        }
        assertThat(ShmDirectory.current().find(name)).isEmpty();
        assertThat(versionNames(name)).isEmpty();
    }

    @Test
    void shouldKeepALeaseValidAfterItsHandleCloses() {
        String name = TestNames.unique("ds");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 7, 10));
            Version<SharedArray> v;
            try (Dataset<SharedArray> r = Dataset.attachArrays(name)) {
                v = r.current();
            }
            assertThat(v.value().sumLong()).isEqualTo(70);
            v.close();
            assertThatThrownBy(() -> v.value().sumLong()).isInstanceOf(SegmentClosedException.class);
        }
    }

    @Test
    void shouldFollowVersionsWithAThreadsReader() {
        String name = TestNames.unique("ds");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name));
                Dataset<SharedArray> r = Dataset.attachArrays(name);
                DatasetReader<SharedArray> reader = r.reader()) {
            w.publish(o -> filled(o, 1, 10));
            SharedArray first = reader.current();
            assertThat(reader.current()).isSameAs(first);
            assertThat(reader.number()).isEqualTo(1);
            w.publish(o -> filled(o, 2, 10));
            assertThat(reader.current().sumLong()).isEqualTo(20);
            assertThat(reader.number()).isEqualTo(2);
            // the reader let go of version 1: its mapping is gone in this process
            assertThatThrownBy(first::sumLong).isInstanceOf(RuntimeException.class);
        }
    }

    @Test
    void shouldPublishFrames() {
        String name = TestNames.unique("dsf");
        try (Dataset<SharedFrame> w = Dataset.createFrames(ShmOptions.named(name))) {
            for (int k = 1; k <= 2; k++) {
                long[] col = {k, k, k};
                w.publish(o -> SharedFrame.builder(3).addLongs("x", col, i -> false).build(o));
            }
            try (Dataset<SharedFrame> r = Dataset.attachFrames(name); Version<SharedFrame> v = r.current()) {
                assertThat(v.number()).isEqualTo(2);
                assertThat(v.value().rowCount()).isEqualTo(3);
            }
            assertThatThrownBy(() -> Dataset.attachArrays(name)).isInstanceOf(DatasetFormatException.class)
                    .hasMessageContaining("attachFrames");
        }
    }

    @Test
    void shouldRefuseToPublishFromAReadOnlyHandleOrWithOtherOptions() {
        String name = TestNames.unique("ds");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name));
                Dataset<SharedArray> r = Dataset.attachArrays(name)) {
            assertThatThrownBy(() -> r.publish(o -> filled(o, 1, 1))).isInstanceOf(DatasetException.class)
                    .hasMessageContaining("READ_WRITE");
            assertThatThrownBy(() -> w.publish(o -> filled(ShmOptions.defaults(), 1, 1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("options it is given");
            assertThat(w.currentNumber()).isZero();
            assertThat(versionNames(name)).isEmpty();
        }
    }

    @Test
    void shouldSerializeWritersOfOneProcess() throws Exception {
        String name = TestNames.unique("ds");
        try (Dataset<SharedArray> a = Dataset.createArrays(ShmOptions.named(name));
                Dataset<SharedArray> b = Dataset.attachArrays(ShmDirectory.current(), name, Access.READ_WRITE)) {
            Thread[] ts = new Thread[4];
            for (int t = 0; t < ts.length; t++) {
                Dataset<SharedArray> d = t % 2 == 0 ? a : b;
                ts[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 25; i++) {
                        d.publish(o -> filled(o, 1, 8));
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            assertThat(a.currentNumber()).isEqualTo(100);
            assertThat(DatasetAdmin.info(ShmDirectory.current(), name).publishCount()).isEqualTo(100);
            assertThat(DatasetAdmin.gc(ShmDirectory.current(), false).removed()).noneMatch(n -> n.startsWith(name));
            assertThat(versionNames(name)).containsExactly(DatasetLayout.versionName(name, 100));
        }
    }

    @Test
    void shouldUnmapEachOldVersionOnceItsLastLeaseClosesWhileThreadsTakeAndHandOverLeases() throws Exception {
        String name = TestNames.unique("ds");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 1, 64));
            java.util.concurrent.BlockingQueue<Version<SharedArray>> handOver = new java.util.concurrent.LinkedBlockingQueue<>();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
            Thread[] readers = new Thread[3];
            for (int t = 0; t < readers.length; t++) {
                readers[t] = Thread.ofPlatform().start(() -> {
                    try {
                        long seen = 0;
                        for (long i = 0; !stop.get(); i++) {
                            Version<SharedArray> v = w.current();
                            long k = v.value().getAsLong(63);
                            assertThat(k).isEqualTo(v.number()).isGreaterThanOrEqualTo(seen);
                            seen = k;
                            if (i % 7 == 0) {
                                handOver.add(v); // closed by another thread, later
                            } else {
                                v.close();
                                v.close(); // idempotent
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
            }
            Thread closer = Thread.ofPlatform().start(() -> {
                try {
                    while (!stop.get() || !handOver.isEmpty()) {
                        Version<SharedArray> v = handOver.poll(1, java.util.concurrent.TimeUnit.MILLISECONDS);
                        if (v != null) {
                            assertThat(v.value().getAsLong(0)).isEqualTo(v.number()); // still mapped until closed
                            v.close();
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            for (long k = 2; k <= 200; k++) {
                long value = k;
                w.publish(o -> filled(o, value, 64));
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
            closer.join();
            assertThat(errors).isEmpty();
            try (Version<SharedArray> last = w.current()) {
                assertThat(last.number()).isEqualTo(200);
            }
            // every lease is closed: only the handle's own version is still mapped here
            List<String> mapped = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps")).stream()
                    .filter(l -> l.contains("/" + name + DatasetLayout.SEPARATOR)).toList();
            assertThat(mapped).as(String.join("\n", mapped)).isNotEmpty()
                    .allMatch(l -> l.contains(DatasetLayout.versionName(name, 200)));
        }
    }

    static List<String> mappedVersions(String name) throws java.io.IOException {
        return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("/" + name + DatasetLayout.SEPARATOR)).toList();
    }

    @Test
    void shouldHandReadersOnlyVersionsTheFollowerMadeReadyAndUnmapReplacedOnesOnItsThread() throws Exception {
        String name = TestNames.unique("ds");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name));
                Dataset<SharedArray> r = Dataset.attachArrays(name)) {
            w.publish(o -> filled(o, 1, 5000));
            Follower<SharedArray> f = r.follow(java.time.Duration.ofMillis(1));
            assertThatThrownBy(() -> r.follow(java.time.Duration.ofMillis(1))).isInstanceOf(IllegalStateException.class);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.ConcurrentLinkedQueue<Throwable> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
            List<Version<SharedArray>> kept = new java.util.ArrayList<>();
            Thread[] readers = new Thread[3];
            for (int t = 0; t < readers.length; t++) {
                readers[t] = Thread.ofPlatform().start(() -> {
                    try (DatasetReader<SharedArray> reader = r.reader()) {
                        long seen = 0;
                        while (!stop.get()) {
                            SharedArray a = reader.current();
                            long k = reader.number();
                            // whole version, never torn, never older than one seen before
                            assertThat(a.getAsLong(0)).isEqualTo(k);
                            assertThat(a.getAsLong(4999)).isEqualTo(k);
                            assertThat(k).isGreaterThanOrEqualTo(seen);
                            seen = k;
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
            }
            for (long k = 2; k <= 60; k++) {
                long value = k;
                w.publish(o -> filled(o, value, 5000));
                if (k % 20 == 0) {
                    io.shm4j.testkit.Awaits.until("the follower took version " + value, java.time.Duration.ofSeconds(30),
                            () -> keepIf(r.current(), value, kept)); // kept open on purpose: closed below
                }
            }
            io.shm4j.testkit.Awaits.until("the follower took the last version", java.time.Duration.ofSeconds(30),
                    () -> f.switches() > 0 && readyOf(r) == 60);
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
            assertThat(errors).isEmpty();
            assertThat(f.lastFailure()).isEmpty();
            assertThat(f.lastSwitch()).isPositive();
            // the leases left open on versions 20 and 40 keep them mapped; the follower unmapped the rest
            io.shm4j.testkit.Awaits.until("the follower unmapped the versions nobody holds", java.time.Duration.ofSeconds(30),
                    () -> mappedVersionsQuietly(name).size() == 3);
            assertThat(mappedVersions(name)).as(String.join("\n", mappedVersions(name)))
                    .anyMatch(l -> l.endsWith(DatasetLayout.versionName(name, 20) + " (deleted)"))
                    .anyMatch(l -> l.endsWith(DatasetLayout.versionName(name, 40) + " (deleted)"))
                    .anyMatch(l -> l.endsWith(DatasetLayout.versionName(name, 60)));
            for (Version<SharedArray> v : kept) {
                assertThat(v.value().getAsLong(4999)).isEqualTo(v.number()); // still readable
                v.close(); // the follower still holds it: it unmaps it at its next look, not this thread
            }
            io.shm4j.testkit.Awaits.until("the follower unmapped versions 20 and 40", java.time.Duration.ofSeconds(30),
                    () -> mappedVersionsQuietly(name).size() == 1);
            f.close();
            f.close(); // idempotent
            // without a follower, current() checks the shared counter again
            w.publish(o -> filled(o, 61, 5000));
            try (Version<SharedArray> v = r.current()) {
                assertThat(v.number()).isEqualTo(61);
                assertThat(v.value().getAsLong(0)).isEqualTo(61);
            }
        }
    }

    private static boolean keepIf(Version<SharedArray> v, long number, List<Version<SharedArray>> kept) {
        if (v.number() == number) {
            kept.add(v);
            return true;
        }
        v.close();
        return false;
    }

    private static long readyOf(Dataset<SharedArray> r) {
        return r.readyNumber();
    }

    private static List<String> mappedVersionsQuietly(String name) {
        try {
            return mappedVersions(name);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void shouldStopTheFollowerWhenTheHandleCloses() throws Exception {
        String name = TestNames.unique("ds");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name))) {
            w.publish(o -> filled(o, 1, 10));
            Dataset<SharedArray> r = Dataset.attachArrays(name);
            Follower<SharedArray> f = r.follow(java.time.Duration.ofMillis(1));
            w.publish(o -> filled(o, 2, 10));
            io.shm4j.testkit.Awaits.until("the follower took version 2", java.time.Duration.ofSeconds(30),
                    () -> f.switches() >= 1);
            r.close();
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().endsWith("follower-" + name));
            assertThat(mappedVersions(name)).isEmpty();
            assertThatThrownBy(r::current).isInstanceOf(SegmentClosedException.class);
            assertThatThrownBy(() -> r.follow(java.time.Duration.ofMillis(1))).isInstanceOf(SegmentClosedException.class);
        }
    }

    /** Field 19 of {@code /proc/self/task/TID/stat} (the fields after the command name start at 3). */
    private static int niceOf(String task) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/task", task, "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[19 - 3]);
    }

    /** The tasks of this process whose name (the kernel keeps the first 15 bytes) is {@code comm}. */
    private static List<String> tasksNamed(String comm) throws java.io.IOException {
        List<String> out = new java.util.ArrayList<>();
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path t : tasks.toList()) {
                try {
                    if (java.nio.file.Files.readString(t.resolve("comm")).strip().equals(comm)) {
                        out.add(t.getFileName().toString());
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    @Test
    void shouldTouchNewVersionsAtALowPriorityAndNothingElse() throws Exception {
        String name = TestNames.unique("ds");
        try (Dataset<SharedArray> w = Dataset.createArrays(ShmOptions.named(name));
                Dataset<SharedArray> r = Dataset.attachArrays(name)) {
            int n = (int) (Follower.INLINE_TOUCH_BYTES / Long.BYTES) + 1024; // large enough for the low-priority thread
            w.publish(o -> filled(o, 1, n));
            Follower<SharedArray> f = r.follow(java.time.Duration.ofMillis(1));
            io.shm4j.testkit.Awaits.until("the follower touched version 1", java.time.Duration.ofSeconds(30),
                    () -> f.toucherThreadId() != 0 && f.switches() >= 1);
            assertThat(f.nice()).isEqualTo(Follower.DEFAULT_NICE);
            assertThat(niceOf(Integer.toString(f.toucherThreadId()))).isEqualTo(Follower.DEFAULT_NICE).isPositive();
            // the touching thread only: the follower's own thread (it maps and unmaps, holding the
            // process's mmap lock) and the process's other threads keep their priority
            String follower = tasksNamed("shm4j-dataset-f").getFirst();
            assertThat(niceOf(follower)).isEqualTo(niceOf(Long.toString(ProcessHandle.current().pid())));
            String self = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/thread-self"))
                    .getFileName().toString();
            assertThat(niceOf(self)).isEqualTo(niceOf(Long.toString(ProcessHandle.current().pid())));
            w.publish(o -> filled(o, 2, n));
            io.shm4j.testkit.Awaits.until("the follower took version 2", java.time.Duration.ofSeconds(30),
                    () -> f.switches() >= 2);
            try (Version<SharedArray> v = r.current()) {
                assertThat(v.value().sumLong()).isEqualTo(2L * n);
            }
        }
    }

    @Test
    void shouldParseVersionAndStagingNames() {
        assertThat(DatasetLayout.versionOf("emb", "emb@v12")).isEqualTo(12);
        assertThat(DatasetLayout.versionOf("emb", "emb@v012")).isEqualTo(-1);
        assertThat(DatasetLayout.versionOf("emb", "emb@vx")).isEqualTo(-1);
        assertThat(DatasetLayout.datasetOfVersion("a@b@v3")).isEqualTo("a@b");
        assertThat(DatasetLayout.datasetOfVersion("plain")).isNull();
        Object[] s = DatasetLayout.parseStaging(DatasetLayout.stagingName("emb", 42, 99, "0123456789abcdef"));
        assertThat(s).containsExactly("emb", 42L, 99L);
        assertThat(DatasetLayout.parseStaging("emb@tmp.1.2.zz")).isNull();
        long w = DatasetLayout.lockWord(4_194_303, 123_456_789_012L);
        assertThat(DatasetLayout.lockPid(w)).isEqualTo(4_194_303);
        assertThat(DatasetLayout.lockStartTicks(w)).isEqualTo(123_456_789_012L);
    }
}
