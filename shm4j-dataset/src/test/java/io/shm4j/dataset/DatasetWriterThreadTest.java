package io.shm4j.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.array.SharedArray;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.TestNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A publish runs on a writer thread of lowered priority ({@code shm4j.dataset.writerNice}), the
 * caller waiting: the maker sees that thread and its nice value (read back from the kernel),
 * its exceptions reach the caller as thrown, an interrupt of the caller neither cuts it short nor
 * is lost, and a nice value of 0 keeps the publish on the caller's thread.
 */
class DatasetWriterThreadTest {
    @AfterEach
    void defaults() {
        System.clearProperty(WriterThreads.NICE_PROPERTY);
        Thread.interrupted();
    }

    /** The nice value of the calling thread, as the kernel reports it (field 19 of /proc/thread-self/stat). */
    private static int kernelNice() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[16]);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private record Seen(String thread, int nice) {}

    @Test
    void shouldPublishOnAWriterThreadOfLowerPriorityAndHandBackWhatItThrows() {
        String name = TestNames.unique("ds-writer");
        int callerNice = kernelNice();
        try (Dataset<SharedArray> ds = Dataset.createArrays(ShmOptions.named(name))) {
            AtomicReference<Seen> seen = new AtomicReference<>();
            long k = ds.publish(o -> {
                seen.set(new Seen(Thread.currentThread().getName(), kernelNice()));
                return SharedArray.copyOf(o, new long[] {1, 2, 3});
            });
            assertThat(k).isEqualTo(1);
            assertThat(seen.get().thread()).startsWith("shm4j-dataset-writer-").isNotEqualTo(Thread.currentThread().getName());
            assertThat(seen.get().nice()).isEqualTo(Math.max(callerNice, WriterThreads.DEFAULT_NICE));
            assertThat(kernelNice()).as("the caller's priority is untouched").isEqualTo(callerNice);

            assertThatThrownBy(() -> ds.publish(o -> {
                throw new IllegalStateException("maker failed: name=" + name);
            })).isExactlyInstanceOf(IllegalStateException.class).hasMessage("maker failed: name=" + name);
            assertThatThrownBy(() -> ds.publish(o -> SharedArray.copyOf(ShmOptions.named(TestNames.unique("ds-wrong")),
                    new long[] {1}))).isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected name=");
            assertThat(ds.currentNumber()).as("nothing published by the failed makers").isEqualTo(1);
            assertThat(DatasetTest.versionNames(name)).containsExactly(DatasetLayout.versionName(name, 1));

            // interrupted caller: the publish completes, and the interrupt is still there after
            Thread.currentThread().interrupt();
            assertThat(ds.publish(o -> SharedArray.copyOf(o, new long[] {4, 5}))).isEqualTo(2);
            assertThat(Thread.interrupted()).isTrue();
            try (Version<SharedArray> v = ds.current()) {
                assertThat(v.value().sumLong()).isEqualTo(9);
            }

            // nice 0: on the caller's thread
            System.setProperty(WriterThreads.NICE_PROPERTY, "0");
            ds.publish(o -> {
                seen.set(new Seen(Thread.currentThread().getName(), kernelNice()));
                return SharedArray.copyOf(o, new long[] {6});
            });
            assertThat(seen.get()).isEqualTo(new Seen(Thread.currentThread().getName(), callerNice));
        }
        assertThat(DatasetTest.versionNames(name)).isEmpty();
    }
}
