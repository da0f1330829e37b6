package io.shm4j.segment;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.testkit.Awaits;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Real processes: a second JVM, Python's multiprocessing.shared_memory, and kill -9. */
class MultiProcessTest {
    private static final long SIZE = 1 << 20;
    private final ShmDirectory dir = ShmDirectory.current();

    @Test
    void shouldLetASecondJvmReadWhatThisOneWrote() {
        String name = TestNames.unique("jvm2");
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), SIZE)) {
            for (long i = 0; i < SIZE; i++) {
                s.memory().set(ValueLayout.JAVA_BYTE, i, SegmentChild.pattern(i));
            }
            String out = Processes.java(SegmentChild.class, "checksum", name).assertOk().stdout().trim();
            assertThat(Long.parseLong(out)).isEqualTo(SegmentChild.checksum(s.memory()));
        }
    }

    @Test
    void shouldReadWhatASecondJvmWrote() {
        String name = TestNames.unique("jvm1");
        Processes.java(SegmentChild.class, "write-persistent", name, Long.toString(SIZE)).assertOk();
        try (Segment s = Segment.attach(name)) {
            assertThat(s.info().lifetime()).isEqualTo(Lifetime.PERSISTENT);
            assertThat(s.info().ownerAlive()).isFalse();
            for (long i = 0; i < SIZE; i += 4093) {
                assertThat(s.memory().get(ValueLayout.JAVA_BYTE, i)).isEqualTo(SegmentChild.pattern(i));
            }
            s.unlink();
        }
    }

    @Test
    void shouldBeAttachedByPythonSharedMemory() {
        String name = TestNames.unique("py-attach");
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), SIZE)) {
            for (long i = 0; i < SIZE; i++) {
                s.memory().set(ValueLayout.JAVA_BYTE, i, SegmentChild.pattern(i));
            }
            String script = """
                    import sys
                    from multiprocessing import shared_memory, resource_tracker
                    shm = shared_memory.SharedMemory(name=sys.argv[1])
                    resource_tracker.unregister(shm._name, "shared_memory")  # attach only: never unlink
                    ok = all(shm.buf[i] == ((i * 31 + 7) & 0xff) for i in range(0, shm.size, 4093))
                    print(shm.size, ok)
                    shm.buf[0] = 99
                    shm.close()
                    """;
            String out = Processes.python(script, name).assertOk().stdout().trim();
            assertThat(out).isEqualTo(SIZE + " True");
            assertThat(s.memory().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 99);
        }
    }

    @Test
    void shouldAttachWhatPythonSharedMemoryCreated() throws Exception {
        String name = TestNames.unique("py-create");
        String script = """
                import sys
                from multiprocessing import shared_memory, resource_tracker
                shm = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=65536)
                resource_tracker.unregister(shm._name, "shared_memory")  # leave it for the JVM
                for i in range(0, 65536, 7):
                    shm.buf[i] = (i * 31 + 7) & 0xff
                shm.close()
                """;
        Processes.python(script, name).assertOk();
        try (Segment s = Segment.attach(name)) {
            assertThat(s.kind()).isEqualTo(SegmentKind.FOREIGN);
            assertThat(s.size()).isEqualTo(65536);
            for (long i = 0; i < 65536; i += 7) {
                assertThat(s.memory().get(ValueLayout.JAVA_BYTE, i)).isEqualTo(SegmentChild.pattern(i));
            }
        } finally {
            dir.remove(name, true); // a foreign file: shm4j did not create it
        }
    }

    @Test
    void shouldReclaimScopedSegmentsAndTempFilesOfAKilledCreator() throws Exception {
        String scoped = TestNames.unique("victim-scoped");
        String persistent = TestNames.unique("victim-persistent");
        String mine = TestNames.unique("survivor");
        String foreign = TestNames.unique("not-ours");
        Files.write(dir.path().resolve(foreign), new byte[16]);
        Process child = Processes.javaBuilder(SegmentChild.class, "hold", scoped, persistent).start();
        try (Segment live = Segment.create(ShmOptions.named(mine).asMutable(), 4096);
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            String ready = out.readLine();
            assertThat(ready).as("child said ready").startsWith("READY ");
            long childPid = child.pid();
            assertThat(dir.info(scoped).owner().pid()).isEqualTo(childPid);
            assertThat(tempFilesOf(childPid)).hasSize(1);

            GcReport whileAlive = dir.gc(false);
            assertThat(whileAlive.segments()).doesNotContain(scoped, mine);
            assertThat(dir.find(scoped)).isPresent();

            Processes.kill9(child.toHandle());
            GcReport dry = dir.gc(true);
            assertThat(dry.segments()).contains(scoped);
            assertThat(dir.find(scoped)).as("dry run removes nothing").isPresent();

            GcReport report = dir.gc(false);
            assertThat(report.segments()).contains(scoped).doesNotContain(persistent, mine, foreign);
            assertThat(report.tempFiles()).hasSize(1);
            assertThat(dir.find(scoped)).isEmpty();
            assertThat(tempFilesOf(childPid)).isEmpty();
            assertThat(dir.find(persistent)).as("persistent stays").isPresent();
            assertThat(dir.find(mine)).as("a live owner's segment is untouched").isPresent();
            assertThat(dir.path().resolve(foreign)).as("foreign files are untouched").exists();
        } finally {
            child.destroyForcibly();
            Awaits.until("child gone", Duration.ofSeconds(10), () -> !child.isAlive());
            dir.find(persistent).ifPresent(i -> dir.remove(persistent));
            Files.deleteIfExists(dir.path().resolve(foreign));
        }
    }

    private java.util.List<String> tempFilesOf(long pid) throws Exception {
        try (var s = Files.list(dir.path())) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".shm4j-tmp." + pid + ".")).toList();
        }
    }
}
