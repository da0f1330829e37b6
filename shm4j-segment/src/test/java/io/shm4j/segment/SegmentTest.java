package io.shm4j.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.testkit.TestNames;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SegmentTest {
    private final ShmDirectory dir = ShmDirectory.current();

    @Test
    void shouldMapEveryPageOfAnAttachedSegmentWhenPrefaulted() throws Exception {
        String name = TestNames.unique("prefault");
        long size = 8 << 20;
        try (Segment created = Segment.create(ShmOptions.named(name), size)) {
            try (Segment attached = Segment.attach(name)) {
                assertThat(residentKiB(attached.memory())).as("a fresh mapping maps no page yet").isLessThan(size / 1024 / 4);
                assertThat(attached.prefault()).isSameAs(attached);
                assertThat(residentKiB(attached.memory())).as("prefaulted").isEqualTo(size / 1024);
            }
            Segment closed = Segment.attach(name);
            closed.close();
            assertThatThrownBy(closed::prefault).isInstanceOf(SegmentClosedException.class);
        }
    }

    @Test
    void shouldMapEveryPageWhenReadInNativeCode() throws Exception {
        String name = TestNames.unique("touch");
        long size = (8 << 20) + 5000; // ends in a partial page
        try (Segment created = Segment.create(ShmOptions.named(name), size);
                Segment attached = Segment.attach(name)) {
            MemorySegment m = attached.memory();
            assertThat(m.byteSize()).isEqualTo(size);
            assertThat(residentKiB(m)).as("a fresh mapping maps no page yet").isLessThan(size / 1024 / 4);
            io.shm4j.segment.internal.Native.readAll(m); // what a dataset follower's touch does
            assertThat(residentKiB(m)).as("every page read, the last partial one too")
                    .isEqualTo((size + 4095) / 4096 * 4);
        }
    }

    /** Rss of the mapping that starts at {@code m}'s address, from /proc/self/smaps. */
    private static long residentKiB(MemorySegment m) throws java.io.IOException {
        String start = Long.toHexString(m.address()) + "-";
        boolean in = false;
        for (String line : Files.readAllLines(java.nio.file.Path.of("/proc/self/smaps"))) {
            if (Character.isDigit(line.charAt(0)) || (line.charAt(0) >= 'a' && line.charAt(0) <= 'f')) {
                in = line.startsWith(start);
            } else if (in && line.startsWith("Rss:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no mapping at " + start + " in /proc/self/smaps");
    }

    @Test
    void shouldCreateAttachAndShareBytes() {
        String name = TestNames.unique("rw");
        try (Segment created = Segment.create(ShmOptions.named(name).asMutable(), 4096)) {
            created.memory().set(ValueLayout.JAVA_LONG, 8, 0x1234_5678_9abcL);
            try (Segment attached = Segment.attach(name)) {
                assertThat(attached.size()).isEqualTo(4096);
                assertThat(attached.kind()).isEqualTo(SegmentKind.RAW);
                assertThat(attached.memory().get(ValueLayout.JAVA_LONG, 8)).isEqualTo(0x1234_5678_9abcL);
                assertThat(attached.isOwning()).isFalse();
                assertThat(attached.isReadOnly()).isTrue();
            }
            assertThat(created.isOwning()).isTrue();
        }
        assertThat(dir.find(name)).isEmpty();
    }

    @Test
    void shouldAttachReadOnlyByDefaultAndRefuseWrites() {
        String name = TestNames.unique("ro");
        try (Segment created = Segment.create(ShmOptions.named(name).asMutable(), 64); Segment ro = Segment.attach(name)) {
            assertThatThrownBy(() -> ro.memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 1))
                    .isInstanceOf(IllegalArgumentException.class);
            try (Segment rw = Segment.attach(name, Access.READ_WRITE)) {
                rw.memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
                assertThat(ro.memory().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 7);
            }
        }
    }

    @Test
    void shouldPublishOnlyCompleteSegments() {
        String name = TestNames.unique("pending");
        try (PendingSegment pending = Segment.reserve(SegmentSpec.of(1024).withName(name))) {
            pending.memory().fill((byte) 42);
            assertThat(dir.find(name)).as("invisible before publish").isEmpty();
            try (Segment published = pending.publish()) {
                assertThat(published.isReadOnly()).as("immutable after publish").isTrue();
                try (Segment other = Segment.attach(name)) {
                    assertThat(other.memory().get(ValueLayout.JAVA_BYTE, 1023)).isEqualTo((byte) 42);
                }
                assertThatThrownBy(() -> Segment.attach(name, Access.READ_WRITE))
                        .isInstanceOf(SegmentPermissionException.class)
                        .hasMessageContaining("immutable").hasMessageContaining("name=" + name);
            }
        }
    }

    @Test
    void shouldRemoveTemporaryFileWhenCreationIsAborted() throws Exception {
        // only this process's temporaries: other processes (tests of other modules) share the directory
        String mine = ".shm4j-tmp." + ProcessHandle.current().pid() + ".";
        java.util.function.Supplier<Set<String>> temps = () -> {
            try {
                Set<String> t = new HashSet<>();
                for (String n : names()) {
                    if (n.startsWith(mine)) {
                        t.add(n);
                    }
                }
                return t;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        Set<String> before = temps.get();
        try (PendingSegment pending = Segment.reserve(SegmentSpec.of(1 << 20))) {
            assertThat(temps.get()).hasSize(before.size() + 1);
            pending.memory().fill((byte) 1);
        }
        assertThat(temps.get()).isEqualTo(before);
    }

    @Test
    void shouldRefuseToPublishOverAnExistingName() {
        String name = TestNames.unique("dup");
        try (Segment first = Segment.create(ShmOptions.named(name).asMutable(), 16)) {
            assertThatThrownBy(() -> Segment.create(ShmOptions.named(name).asMutable(), 16))
                    .isInstanceOf(SegmentExistsException.class)
                    .hasMessageContaining("name=" + name);
            try (PendingSegment late = Segment.reserve(SegmentSpec.of(16).withName(TestNames.unique("late")))) {
                // A name taken between reserve and publish is detected atomically at publish.
                assertThat(late.name()).isNotEqualTo(name);
            }
        }
    }

    @Test
    void shouldKeepMappingsValidAfterUnlink() {
        String name = TestNames.unique("unlink");
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), 4096); Segment reader = Segment.attach(name)) {
            s.memory().set(ValueLayout.JAVA_INT, 100, 99);
            s.unlink();
            assertThat(dir.find(name)).isEmpty();
            assertThat(reader.memory().get(ValueLayout.JAVA_INT, 100)).isEqualTo(99);
            s.unlink(); // idempotent
        }
    }

    @Test
    void shouldThrowTypedErrorsAfterCloseNeverCrash() {
        String name = TestNames.unique("closed");
        Segment s = Segment.create(ShmOptions.named(name).asMutable(), 4096);
        MemorySegment raw = s.memory();
        s.close();
        s.close(); // idempotent
        assertThatThrownBy(s::memory).isInstanceOf(SegmentClosedException.class)
                .hasMessageContaining("name=" + name);
        assertThatThrownBy(() -> raw.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldKeepPersistentSegmentsAfterOwnerCloses() {
        String name = TestNames.unique("persist");
        try (PendingSegment p = Segment.reserve(SegmentSpec.of(8).withName(name).persistent())) {
            p.publish().close();
        }
        SegmentInfo info = dir.info(name);
        assertThat(info.lifetime()).isEqualTo(Lifetime.PERSISTENT);
        assertThat(info.owner()).isEqualTo(ProcessIdentity.current());
        assertThat(info.ownerAlive()).isTrue();
        dir.remove(name);
        assertThat(dir.find(name)).isEmpty();
        assertThatThrownBy(() -> dir.remove(name)).isInstanceOf(NoSuchSegmentException.class);
    }

    @Test
    void shouldCreateMode0600UnlessAskedOtherwise() throws Exception {
        String a = TestNames.unique("mode");
        String b = TestNames.unique("mode");
        try (Segment s = Segment.create(ShmOptions.named(a).asMutable(), 8);
                PendingSegment p = Segment.reserve(SegmentSpec.of(8).withName(b).withMode(0644));
                Segment t = p.publish()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.path())))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(t.path())))
                    .isEqualTo("rw-r--r--");
            assertThat(t.info().mode()).isEqualTo(0644);
        }
    }

    @Test
    void shouldRejectBadNamesWithTheReason() {
        assertThatThrownBy(() -> Segment.create(ShmOptions.named("").asMutable(), 8)).isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> Segment.create(ShmOptions.named("a/b").asMutable(), 8)).isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("'/'");
        assertThatThrownBy(() -> Segment.create(ShmOptions.named("..").asMutable(), 8)).isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> Segment.create(ShmOptions.named(".hidden").asMutable(), 8)).isInstanceOf(InvalidNameException.class);
        assertThatThrownBy(() -> Segment.create(ShmOptions.named("nul\0x").asMutable(), 8)).isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("control character");
        assertThatThrownBy(() -> Segment.create(ShmOptions.named("x".repeat(256)).asMutable(), 8)).isInstanceOf(InvalidNameException.class)
                .hasMessageContaining("length=256");
        assertThatThrownBy(() -> Segment.attach("../etc/passwd")).isInstanceOf(InvalidNameException.class);
    }

    @Test
    void shouldGenerateUnguessableUniqueNames() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String n = SegmentNames.generate();
            assertThat(n).matches("shm4j-[0-9a-f]{32}");
            names.add(n);
        }
        assertThat(names).hasSize(1000);
    }

    @Test
    void shouldReportMissingSegments() {
        String name = TestNames.unique("missing");
        assertThatThrownBy(() -> Segment.attach(name)).isInstanceOf(NoSuchSegmentException.class)
                .hasMessageContaining("name=" + name).hasMessageContaining("dir=")
                .hasMessageContaining("shm4j ls");
    }

    @Test
    void shouldRefuseFilesThatAreNotSegments() throws Exception {
        String dirName = TestNames.unique("adir");
        Files.createDirectory(dir.path().resolve(dirName));
        try {
            assertThatThrownBy(() -> Segment.attach(dirName)).isInstanceOf(NotASegmentException.class)
                    .hasMessageContaining("directory");
        } finally {
            Files.delete(dir.path().resolve(dirName));
        }
        String link = TestNames.unique("alink");
        String target = TestNames.unique("target");
        try (Segment t = Segment.create(ShmOptions.named(target).asMutable(), 8)) {
            Files.createSymbolicLink(dir.path().resolve(link), t.path());
            try {
                assertThatThrownBy(() -> Segment.attach(link)).isInstanceOf(NotASegmentException.class)
                        .hasMessageContaining("symlink");
            } finally {
                Files.delete(dir.path().resolve(link));
            }
        }
        String damaged = TestNames.unique("damaged");
        try (Segment s = Segment.create(ShmOptions.named(damaged).asMutable(), 8)) {
            Files.getFileAttributeView(s.path(), java.nio.file.attribute.UserDefinedFileAttributeView.class)
                    .write("shm4j", java.nio.ByteBuffer.wrap("v=99;kind=raw".getBytes()));
            assertThatThrownBy(() -> Segment.attach(damaged)).isInstanceOf(NotASegmentException.class)
                    .hasMessageContaining("v=99");
            s.unlink(); // the owner's generation check no longer matches the damaged metadata
            Files.deleteIfExists(s.path());
        }
    }

    @Test
    void shouldRefuseStaleRefs() {
        String name = TestNames.unique("stale");
        SegmentRef old;
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), 8)) {
            old = s.ref();
        }
        try (Segment again = Segment.create(ShmOptions.named(name).asMutable(), 8)) {
            assertThat(again.ref().generation()).isNotEqualTo(old.generation());
            assertThatThrownBy(() -> Segment.attach(old, Access.READ_ONLY))
                    .isInstanceOf(StaleSegmentException.class).hasMessageContaining("name=" + name);
            try (Segment byRef = Segment.attach(again.ref(), Access.READ_ONLY)) {
                assertThat(byRef.size()).isEqualTo(8);
            }
        }
    }

    @Test
    void shouldHandleSegmentsLargerThan2GiB() {
        long size = (5L << 29) + 4096; // 2.5 GiB + a page
        String name = TestNames.unique("big");
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), size)) {
            long far = size - 8;
            s.memory().set(ValueLayout.JAVA_LONG, far, -42L);
            s.memory().set(ValueLayout.JAVA_LONG, 1L << 31, 7L);
            try (Segment r = Segment.attach(name)) {
                assertThat(r.size()).isEqualTo(size);
                assertThat(r.memory().get(ValueLayout.JAVA_LONG, far)).isEqualTo(-42L);
                assertThat(r.memory().get(ValueLayout.JAVA_LONG, 1L << 31)).isEqualTo(7L);
            }
        }
    }

    @Test
    void shouldAllowZeroByteSegments() {
        String name = TestNames.unique("empty");
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), 0); Segment r = Segment.attach(name)) {
            assertThat(r.size()).isZero();
            assertThat(s.memory().byteSize()).isZero();
        }
    }

    @Test
    void shouldListShm4jSegmentsAndForeignFilesApart() throws Exception {
        String ours = TestNames.unique("listed");
        String foreign = TestNames.unique("foreign");
        Files.write(dir.path().resolve(foreign), new byte[10]);
        try (Segment s = Segment.create(ShmOptions.named(ours).asMutable(), 100)) {
            assertThat(dir.list()).extracting(SegmentInfo::name).contains(ours).doesNotContain(foreign);
            SegmentInfo f = dir.listAll().stream().filter(i -> i.name().equals(foreign)).findFirst().orElseThrow();
            assertThat(f.foreign()).isTrue();
            assertThat(f.size()).isEqualTo(10);
            try (Segment raw = Segment.attach(foreign, Access.READ_WRITE)) {
                assertThat(raw.kind()).isEqualTo(SegmentKind.FOREIGN);
                raw.memory().set(ValueLayout.JAVA_BYTE, 9, (byte) 5);
            }
            assertThat(Files.readAllBytes(dir.path().resolve(foreign))[9]).isEqualTo((byte) 5);
        } finally {
            Files.delete(dir.path().resolve(foreign));
        }
    }

    private Set<String> names() throws Exception {
        try (var s = Files.list(dir.path())) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void shouldNotRemoveAReplacementWhenTheOldOwnerCloses() {
        String name = TestNames.unique("replaced");
        Segment old = Segment.create(ShmOptions.named(name).asMutable(), 8);
        dir.remove(name);
        try (Segment replacement = Segment.create(ShmOptions.named(name).asMutable(), 16)) {
            old.close(); // owning handle: unlinks only its own incarnation
            assertThat(dir.info(name).generation()).isEqualTo(replacement.ref().generation());
        }
        assertThat(dir.find(name)).isEmpty();
    }

    @Test
    void shouldNeverCollectSegmentsOfAnotherPidNamespace() throws Exception {
        String foreignNs = TestNames.unique("other-ns");
        String sameNs = TestNames.unique("same-ns");
        long deadPid = 4_000_000; // above pid_max: never a live process
        for (String n : new String[] {foreignNs, sameNs}) {
            try (PendingSegment p = Segment.reserve(SegmentSpec.of(8).withName(n).persistent())) {
                p.publish().close(); // then made scoped, with a dead owner, below
            }
        }
        long ns = Long.parseLong(Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/pid")).toString()
                .replaceAll("\\D", ""));
        rewriteOwner(foreignNs, deadPid, ns + 1);
        rewriteOwner(sameNs, deadPid, ns);
        GcReport r = dir.gc(false);
        assertThat(r.segments()).contains(sameNs).doesNotContain(foreignNs);
        assertThat(dir.info(foreignNs).ownerAlive()).as("unknown liveness counts as alive").isTrue();
        dir.remove(foreignNs);
    }

    private void rewriteOwner(String name, long pid, long pidns) throws Exception {
        var view = Files.getFileAttributeView(dir.path().resolve(name),
                java.nio.file.attribute.UserDefinedFileAttributeView.class);
        String meta = "v=1;kind=raw;life=scoped;pid=" + pid + ";start=1;gen=abc;created=0;mutable=0;pidns=" + pidns;
        view.write("shm4j", java.nio.ByteBuffer.wrap(meta.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }
}
