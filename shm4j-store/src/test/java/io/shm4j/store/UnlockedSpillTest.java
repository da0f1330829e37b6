package io.shm4j.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.store.internal.TestHooks;
import io.shm4j.testkit.Processes;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spill and restore do their I/O without the store lock (docs/store.md, "evict / spill",
 * "get"): while one is stopped between its steps, a second JVM restores, spills and puts other
 * objects in the same store (each of which takes the lock), and a get of the object being
 * spilled takes it back. If the lock were held across the I/O, the second JVM would wait for
 * the stopped spill and miss its deadline.
 */
class UnlockedSpillTest {
    private static final long MB = 1 << 20;
    private static final long CHILD_BUDGET_S = 120;

    @AfterEach
    void clearHook() {
        TestHooks.unlockedIo = null;
    }

    /** Stops the thread that reaches {@code point} until {@link #go} (bounded, so a failing test ends). */
    private static final class Gate {
        final String point;
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);

        Gate(String point) {
            this.point = point;
            TestHooks.unlockedIo = what -> {
                if (what.equals(point)) {
                    reached.countDown();
                    try {
                        go.await(CHILD_BUDGET_S * 2, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
        }

        void awaitReached() throws InterruptedException {
            assertThat(reached.await(CHILD_BUDGET_S, TimeUnit.SECONDS)).as("reached " + point).isTrue();
        }
    }

    private static ObjectRef<MemorySegment> put(ObjectStore store, Arena arena, long seed, long bytes) {
        return store.put(StoreTesting.offHeap(arena, StoreTesting.checksummed(seed, (int) bytes)));
    }

    /** Runs StoreChild getput on {@code ref} to completion; returns its output. */
    private static String childGetPut(ObjectRef<?> ref) throws Exception {
        Process child = Processes.javaBuilder(StoreChild.class, "getput", ref.store(), ref.name(),
                Long.toHexString(ref.generation()), Long.toString(ref.size())).redirectErrorStream(true).start();
        try {
            CompletableFuture<String> out = Processes.readAsync(child.getInputStream());
            assertThat(child.waitFor(CHILD_BUDGET_S, TimeUnit.SECONDS))
                    .as("the second JVM finished while the spill or restore was stopped").isTrue();
            String text = out.get(10, TimeUnit.SECONDS);
            assertThat(child.exitValue()).as(text).isZero();
            return text;
        } finally {
            child.destroyForcibly().waitFor();
        }
    }

    /**
     * A 48 MB store's four objects: c (4 MB), a (16 MB), b (2 MB, stays pinned here) and p
     * (27 MB: 4+16+2+27 > 48, so its put spills c, the oldest).
     */
    private record Four(ObjectRef<MemorySegment> c, ObjectRef<MemorySegment> a, ObjectRef<MemorySegment> b,
            ObjectRef<MemorySegment> p) {
        static Four put(ObjectStore store, Arena arena) {
            var c = UnlockedSpillTest.put(store, arena, 1, 4 * MB);
            store.release(c);
            var a = UnlockedSpillTest.put(store, arena, 2, 16 * MB);
            store.release(a);
            var b = UnlockedSpillTest.put(store, arena, 3, 2 * MB);
            var p = UnlockedSpillTest.put(store, arena, 4, 27 * MB);
            store.release(p);
            return new Four(c, a, b, p);
        }

        /** Every one of them is intact (restored where spilled) and the store within its capacity. */
        void assertIntact(ObjectStore store) {
            for (var ref : java.util.List.of(a, c, p, b)) {
                assertThat(StoreTesting.intact(store.get(ref))).as(ref.name()).isTrue();
                store.release(ref);
            }
            assertThat(store.stats().used()).isLessThanOrEqualTo(48 * MB);
        }
    }

    @Test
    void shouldLetAnotherProcessRestoreSpillAndPutWhileASpillIsWritten(@TempDir Path spill) throws Exception {
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("unlocked-spill", 48 * MB, spill));
                Arena arena = Arena.ofShared()) {
            Four four = Four.put(store, arena);
            var c = four.c();
            var a = four.a();
            assertThat(store.stats().spills()).isEqualTo(1);

            Gate gate = new Gate("spill " + a.name());
            // needs 1 MiB more: spills a (the oldest unpinned), stopped before writing its file
            CompletableFuture<ObjectRef<MemorySegment>> d = CompletableFuture.supplyAsync(() -> put(store, arena, 5, 4 * MB));
            gate.awaitReached();

            // The second JVM restores c, which needs room: it spills p itself, then puts 1 MiB.
            String out = childGetPut(c);
            assertThat(out).contains("ok true");
            assertThat(d).as("the first spill is still stopped").isNotDone();

            gate.go.countDown();
            ObjectRef<MemorySegment> dRef = d.get(CHILD_BUDGET_S, TimeUnit.SECONDS);
            assertThat(StoreTesting.intact(store.get(dRef))).isTrue();
            four.assertIntact(store);
            assertThat(store.stats().restores()).isGreaterThanOrEqualTo(3); // c (child), a, p
        }
        assertThat(spill.toFile().list()).isEmpty();
    }

    @Test
    void shouldNotFailASpillWhoseObjectAnotherProcessTookBackBeforeItWasOpened(@TempDir Path spill) throws Exception {
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("unlocked-takeback", 48 * MB, spill));
                Arena arena = Arena.ofShared()) {
            Four four = Four.put(store, arena);
            var c = four.c();
            var a = four.a();

            Gate gate = new Gate("spill-open " + a.name());
            // needs room: marks a for spilling, stopped before it opens a's file
            CompletableFuture<ObjectRef<MemorySegment>> d = CompletableFuture.supplyAsync(() -> put(store, arena, 5, 4 * MB));
            gate.awaitReached();

            // The second JVM gets a (taking it back from spilling/: no spill file is needed), then puts 1 MiB.
            assertThat(childGetPut(a)).contains("ok true");

            gate.go.countDown();
            ObjectRef<MemorySegment> dRef = d.get(CHILD_BUDGET_S, TimeUnit.SECONDS); // no SpillFailedException
            assertThat(StoreTesting.intact(store.get(dRef))).isTrue();
            store.release(dRef);
            four.assertIntact(store);
        }
        assertThat(spill.toFile().list()).isEmpty();
    }

    @Test
    void shouldLetAnotherProcessPutAndGetWhileARestoreReads(@TempDir Path spill) throws Exception {
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("unlocked-restore", 48 * MB, spill));
                Arena arena = Arena.ofShared()) {
            var a = put(store, arena, 1, 16 * MB);
            store.release(a);
            var b = put(store, arena, 2, 20 * MB);
            store.release(b);
            var e = put(store, arena, 3, 20 * MB); // spills a
            store.release(e);
            assertThat(store.contains(a)).isTrue();
            var small = put(store, arena, 4, 2 * MB);

            Gate gate = new Gate("restore " + a.name());
            CompletableFuture<Boolean> got = CompletableFuture.supplyAsync(() -> StoreTesting.intact(store.get(a)));
            gate.awaitReached();

            String out = childGetPut(small); // a get (fast path) and a put (takes the lock)
            assertThat(out).contains("ok true");
            assertThat(got).as("the restore is still stopped").isNotDone();

            gate.go.countDown();
            assertThat(got.get(CHILD_BUDGET_S, TimeUnit.SECONDS)).isTrue();
            store.release(a);
            store.release(small);
        }
        assertThat(spill.toFile().list()).isEmpty();
    }

    @Test
    void shouldGiveBackAnObjectBeingSpilledToAGetAndFreeAnotherOne(@TempDir Path spill) throws Exception {
        try (ObjectStore store = ObjectStore.open(StoreTesting.spilling("take-back", 48 * MB, spill));
                Arena arena = Arena.ofShared()) {
            var a = put(store, arena, 1, 16 * MB);
            store.release(a);
            var b = put(store, arena, 2, 16 * MB);
            store.release(b);

            Gate gate = new Gate("spill " + a.name());
            CompletableFuture<ObjectRef<MemorySegment>> d = CompletableFuture.supplyAsync(() -> put(store, arena, 3, 20 * MB));
            gate.awaitReached();
            assertThat(store.contains(a)).as("being spilled, still there").isTrue();

            MemorySegment view = store.get(a); // takes it back from the spiller, without waiting for it
            assertThat(StoreTesting.intact(view)).isTrue();
            assertThat(d).isNotDone();

            gate.go.countDown();
            ObjectRef<MemorySegment> dRef = d.get(CHILD_BUDGET_S, TimeUnit.SECONDS); // frees b instead
            assertThat(StoreTesting.intact(view)).isTrue();
            assertThat(store.objects()).filteredOn(o -> o.name().equals(b.name())).singleElement()
                    .satisfies(o -> assertThat(o.inMemory()).isFalse());
            store.release(dRef);
            assertThat(StoreTesting.intact(store.get(b))).isTrue(); // restored: spills d
            store.release(a);
            store.release(b);
            assertThat(store.stats().used()).isLessThanOrEqualTo(48 * MB);
        }
        assertThat(spill.toFile().list()).isEmpty();
    }
}
