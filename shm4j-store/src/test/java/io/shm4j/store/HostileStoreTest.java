package io.shm4j.store;

import static io.shm4j.store.StoreTesting.KB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.SmallTmpfs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store housekeeping in a hostile shm directory (docs/store.md, "Threat model"): planted links and
 * other users' directories are never followed or touched, a lock another process holds never
 * hangs gc, a lock file left marked as removed never makes anyone spin, a store held elsewhere
 * never blocks this JVM's other stores, and pins from another pid namespace are honoured.
 */
class HostileStoreTest {
    private static final long DEAD_PID = 4_000_000; // above pid_max: never alive

    /** A platform thread per task: waits on file locks must not starve a shared pool. */
    private static void thread(Runnable task) {
        Thread.ofPlatform().daemon().start(task);
    }

    @Test
    void shouldNeverFollowALinkPlantedAsAStoreDirectory(@TempDir Path victim) throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(4 << 20, "mode=1777")) {
            for (String d : new String[] {"members", "pending", "evicting"}) {
                Files.createDirectories(victim.resolve(d));
            }
            Files.writeString(victim.resolve("members/precious"), "keep");
            Files.writeString(victim.resolve("pending/precious"), "keep");
            Files.writeString(victim.resolve("state"), "keep");
            Files.createSymbolicLink(tmpfs.path().resolve(".shm4j-store.evil"), victim);
            ShmDirectory dir = ShmDirectory.of(tmpfs.path());

            assertThat(StoreAdmin.storeNames(dir)).doesNotContain("evil");
            assertThat(StoreAdmin.reclaimAbandoned(dir)).doesNotContain("evil");
            StoreSweep sweep = StoreAdmin.sweep(dir, Duration.ofMillis(200));
            assertThat(sweep.skipped()).containsKey("evil");
            assertThat(sweep.skipped().get("evil")).contains("symbolic link");
            assertThatThrownBy(() -> ObjectStore.open(ObjectStoreConfig.named("evil").withShmDirectory(tmpfs.path())))
                    .isInstanceOf(ObjectStoreException.class).hasMessageContaining("symbolic link");

            for (String f : new String[] {"members/precious", "pending/precious", "state"}) {
                assertThat(Files.readString(victim.resolve(f))).as(f).isEqualTo("keep");
            }
            assertThat(victim.resolve("lock")).doesNotExist();
        }
    }

    @Test
    void shouldSkipAStoreLockedByAnotherProcessAndReclaimTheRest() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(4 << 20, "mode=1777")) {
            ShmDirectory dir = ShmDirectory.of(tmpfs.path());
            Path busy = abandonedStore(tmpfs.path(), "busy");
            abandonedStore(tmpfs.path(), "dead");
            Files.writeString(tmpfs.path().resolve(".shm4j-store.junk"), "a file, not a directory");
            Process holder = holdLock(busy.resolve("lock"));
            try {
                CompletableFuture<List<String>> reclaimed = CompletableFuture.supplyAsync(
                        () -> StoreAdmin.reclaimAbandoned(dir), HostileStoreTest::thread);
                assertThat(reclaimed.get(30, TimeUnit.SECONDS)).containsExactly("dead"); // bounded wait, never a hang

                abandonedStore(tmpfs.path(), "dead2");
                long start = System.nanoTime();
                StoreSweep sweep = StoreAdmin.sweep(dir, Duration.ofMillis(300));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
                assertThat(sweep.removed()).containsExactly("dead2");
                assertThat(sweep.skipped()).containsOnlyKeys("busy", "junk");
                assertThat(sweep.skipped().get("busy")).startsWith("busy");
                assertThat(busy.resolve("members")).exists();
            } finally {
                holder.destroyForcibly().waitFor();
            }
            assertThat(StoreAdmin.sweep(dir, Duration.ofSeconds(5)).removed()).containsExactly("busy");
        }
    }

    @Test
    void shouldNeverSpinOnALockFileLeftMarkedAsRemoved() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(4 << 20, "mode=1777")) {
            Path marked = Files.createDirectory(tmpfs.path().resolve(".shm4j-store.marked"));
            Files.write(marked.resolve("lock"), new byte[] {1}); // its remover died between mark and unlink
            CompletableFuture<Long> opened = CompletableFuture.supplyAsync(() -> {
                try (ObjectStore s = ObjectStore.open(ObjectStoreConfig.named("marked").withShmDirectory(tmpfs.path())
                        .withCapacity(64 * KB))) {
                    return s.capacity();
                }
            }, HostileStoreTest::thread);
            assertThat(opened.get(30, TimeUnit.SECONDS)).isEqualTo(64 * KB);

            Path again = Files.createDirectory(tmpfs.path().resolve(".shm4j-store.again"));
            Files.write(again.resolve("lock"), new byte[] {1});
            CompletableFuture<List<String>> reclaimed = CompletableFuture.supplyAsync(
                    () -> StoreAdmin.reclaimAbandoned(ShmDirectory.of(tmpfs.path())), HostileStoreTest::thread);
            assertThat(reclaimed.get(30, TimeUnit.SECONDS)).containsExactly("again");
            assertThat(again).doesNotExist();
        }
    }

    @Test
    void shouldNotBlockOtherStoresWhileWaitingForALockAnotherProcessHolds() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        try (SmallTmpfs tmpfs = SmallTmpfs.mount(4 << 20, "mode=1777")) {
            Path held = abandonedStore(tmpfs.path(), "held");
            Process holder = holdLock(held.resolve("lock"));
            CompletableFuture<ObjectStore> waiting = CompletableFuture.supplyAsync(() -> ObjectStore.open(
                    ObjectStoreConfig.named("held").withShmDirectory(tmpfs.path()).withCapacity(64 * KB)), HostileStoreTest::thread);
            List<ObjectStore> open = new ArrayList<>();
            try {
                CompletableFuture<ObjectStore> other = CompletableFuture.supplyAsync(() -> ObjectStore.open(
                        ObjectStoreConfig.named("other").withShmDirectory(tmpfs.path()).withCapacity(64 * KB)), HostileStoreTest::thread);
                open.add(other.get(30, TimeUnit.SECONDS)); // not behind the wait for "held"
                assertThat(waiting).isNotDone();
            } finally {
                holder.destroyForcibly().waitFor(); // the kernel drops its lock
                open.add(waiting.get(30, TimeUnit.SECONDS));
                open.forEach(ObjectStore::close);
            }
        }
    }

    @Test
    void shouldHonourPinsOfAProcessInAnotherPidNamespace() throws Exception {
        assumeTrue(SmallTmpfs.available(), "needs root to create a pid namespace");
        assumeTrue(Processes.run(new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "true"),
                Duration.ofSeconds(20)).exitCode() == 0, "unshare --pid works here");
        try (ObjectStore store = ObjectStore.open(StoreTesting.config("pidns", 1000 * KB));
                Arena arena = Arena.ofConfined()) {
            var ref = store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(1, 600 * (int) KB)));
            store.release(ref);
            List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc"));
            cmd.addAll(Processes.javaBuilder(StoreChild.class, "pin", store.name(), ref.name(),
                    Long.toHexString(ref.generation()), Long.toString(ref.size())).command());
            Process child = new ProcessBuilder(cmd).start();
            try {
                var reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                    try {
                        return reader.readLine();
                    } catch (java.io.IOException e) {
                        return "error " + e;
                    }
                }, HostileStoreTest::thread);
                assertThat(line.get(60, TimeUnit.SECONDS)).isEqualTo("pinned true");
                // Its pid (1 or so in its namespace) names another process here: it must still count as alive.
                assertThatThrownBy(() -> store.put(new byte[600 * (int) KB])).isInstanceOf(ObjectStoreFullException.class);
                assertThat(store.contains(ref)).isTrue();
                assertThat(store.stats().members()).isEqualTo(2);
            } finally {
                child.getOutputStream().close(); // the child releases and exits
                if (!child.waitFor(30, TimeUnit.SECONDS)) {
                    child.destroyForcibly().waitFor();
                }
            }
        }
    }

    /** A store directory whose only member is dead (what a kill -9 of its last process leaves). */
    private static Path abandonedStore(Path shm, String name) throws Exception {
        Path d = Files.createDirectory(shm.resolve(".shm4j-store." + name));
        for (String sub : new String[] {"members", "pending", "evicting"}) {
            Files.createDirectory(d.resolve(sub));
        }
        Files.createFile(d.resolve("members/" + DEAD_PID + ".1"));
        Files.createFile(d.resolve("lock"));
        return d;
    }

    /** A second process (python3) holding an fcntl lock on {@code file} until killed. */
    private static Process holdLock(Path file) throws Exception {
        Process p = new ProcessBuilder(Processes.pythonExecutable(), "-c", """
                import fcntl, sys, time
                f = open(sys.argv[1], "r+b")
                fcntl.lockf(f, fcntl.LOCK_EX)
                print("locked", flush=True)
                time.sleep(600)
                """, file.toString()).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).isEqualTo("locked");
        return p;
    }
}
