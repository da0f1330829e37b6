package io.shm4j.store;

import static io.shm4j.store.StoreTesting.KB;
import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Awaits;
import io.shm4j.testkit.Processes;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultiProcessTest {
    private static final long CHILD_BUDGET = 60_000;

    private static List<ProcessIdentity> pinsOf(ObjectStore store, ObjectRef<?> ref) {
        return store.objects().stream().filter(o -> o.name().equals(ref.name())).findFirst()
                .orElseThrow().pins();
    }

    @Test
    void shouldStopPinningWhenThePinningProcessIsKilled() throws Exception {
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("xpin", 1000 * KB));
                Arena arena = Arena.ofConfined()) {
            var ref = store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(1, 600 * (int) KB)));
            store.release(ref);
            Process child = Processes.javaBuilder(StoreChild.class, "pin", store.name(), ref.name(),
                    Long.toHexString(ref.generation()), Long.toString(ref.size())).start();
            try {
                var reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                    try {
                        return reader.readLine();
                    } catch (java.io.IOException e) {
                        return "error " + e;
                    }
                });
                assertThat(line.get(CHILD_BUDGET, java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo("pinned true");
                ProcessIdentity childId = ProcessIdentity.of(child.pid()).orElseThrow();
                assertThat(pinsOf(store, ref)).containsExactly(childId);

                // the child's pin keeps the object: a put that needs its room fails
                var e = org.assertj.core.api.Assertions.catchThrowableOfType(ObjectStoreFullException.class,
                        () -> store.put(new byte[600 * (int) KB]));
                assertThat(e.pinned()).isEqualTo(600 * KB);
                assertThat(store.contains(ref)).isTrue();

                Processes.kill9(child.toHandle());

                assertThat(pinsOf(store, ref)).as("a dead process pins nothing").isEmpty();
                store.put(new byte[600 * (int) KB]);
                assertThat(store.contains(ref)).as("evicted once unpinned").isFalse();
                assertThat(store.stats().members()).isEqualTo(1);
            } finally {
                child.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void shouldLoseAndCorruptNothingWhileFourProcessesHammerOneStoreAndOneIsKilled(
            @TempDir Path spill, @TempDir Path refs) throws Exception {
        long capacity = 4 << 20; // > 4 workers x 3 pinned objects of up to 256 KiB
        ObjectStoreConfig config = StoreTesting.spilling("hammer", capacity, spill);
        try (ObjectStore store = ObjectStore.open(config)) {
            List<Process> workers = new ArrayList<>();
            List<CompletableFuture<String>> outputs = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                // the victim (worker 3) runs until it is killed, the others 6 s and at least 15 puts each
                Process p = Processes.javaBuilder(StoreChild.class, "hammer", store.name(), Long.toString(capacity),
                        spill.toString(), refs.toString(), Integer.toString(w), w == 3 ? "-1" : "6", "15")
                        .redirectErrorStream(true).start();
                workers.add(p);
                outputs.add(Processes.readAsync(p.getInputStream()));
            }
            try {
                Process victim = workers.get(3);
                Awaits.until("the victim published refs", Duration.ofSeconds(180), () -> {
                    try (var s = Files.newDirectoryStream(refs, "3-*.ref")) {
                        return s.iterator().hasNext() && StoreChild.listRefs(refs).size() >= 40;
                    } catch (Exception e) {
                        return false;
                    }
                });
                Processes.kill9(victim.toHandle());
                for (int w = 0; w < 3; w++) {
                    assertThat(workers.get(w).waitFor(CHILD_BUDGET, java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
                    String out = outputs.get(w).get();
                    assertThat(workers.get(w).exitValue()).as(out).isZero();
                    assertThat(out).contains("done puts=");
                }
            } finally {
                for (Process p : workers) {
                    p.destroyForcibly().waitFor();
                }
            }

            // every object whose ref was published, by any worker (the killed one too), is intact
            List<Path> all = StoreChild.listRefs(refs);
            assertThat(all.size()).isGreaterThan(40);
            for (Path f : all) {
                ObjectRef<MemorySegment> ref = StoreChild.read(f);
                assertThat(StoreTesting.intact(store.get(ref))).as(ref.toString()).isTrue();
                store.release(ref);
            }
            StoreStats stats = store.stats();
            assertThat(stats.spills()).isPositive();
            assertThat(stats.restores()).isPositive();
            assertThat(stats.evictions()).isZero();
            assertThat(stats.used()).isLessThanOrEqualTo(capacity);
            assertThat(stats.members()).isEqualTo(1);
        }
        assertThat(StoreAdmin.storeNames(ShmDirectory.current())).doesNotContain(config.name());
        assertThat(spill.toFile().list()).isEmpty();
    }

    @Test
    void shouldReclaimAStoreWhoseProcessesAllDied(@TempDir Path spill) throws Exception {
        String name = io.shm4j.testkit.TestNames.unique("abandoned");
        Process child = Processes.javaBuilder(StoreChild.class, "hammer", name, Long.toString(1 << 20),
                spill.toString(), Files.createTempDirectory(spill, "refs").toString(), "0", "30").start();
        try {
            var reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(reader.readLine()).isEqualTo("started");
            Awaits.until("objects were put", Duration.ofSeconds(30),
                    () -> !StoreAdmin.objects(ShmDirectory.current(), name).isEmpty());
            Processes.kill9(child.toHandle());
        } finally {
            child.destroyForcibly().waitFor();
        }
        assertThat(StoreAdmin.storeNames(ShmDirectory.current())).contains(name);
        assertThat(StoreAdmin.stats(ShmDirectory.current(), name).members()).isZero();

        try (ObjectStore live = ObjectStore.open(StoreTesting.config("live", 1 << 20))) {
            List<String> abandoned = StoreAdmin.abandoned(ShmDirectory.current()); // the dry run of gc
            assertThat(abandoned).contains(name).doesNotContain(live.name());
        }
        assertThat(StoreAdmin.storeNames(ShmDirectory.current())).as("a dry run removes nothing").contains(name);
        assertThat(StoreAdmin.objects(ShmDirectory.current(), name)).isNotEmpty();

        assertThat(StoreAdmin.reclaimAbandoned(ShmDirectory.current())).contains(name);

        assertThat(StoreAdmin.storeNames(ShmDirectory.current())).doesNotContain(name);
        assertThat(ShmDirectory.current().list()).noneMatch(i -> i.name().startsWith(name));
        try (var s = Files.list(ShmDirectory.current().path())) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".shm4j-tmp." + child.pid() + "."));
        }
    }
}
