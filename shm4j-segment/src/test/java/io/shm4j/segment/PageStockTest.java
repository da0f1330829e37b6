package io.shm4j.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shm4j.Settings;
import io.shm4j.testkit.Awaits;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.SmallTmpfs;
import io.shm4j.testkit.TestNames;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The page stock ({@link PageStock}): files of closed owned segments reused by
 * {@link ShmDirectory#reserveForOverwrite}, never while another process maps them, reclaimed by
 * gc after a {@code kill -9}, and never confused with files planted under stock names.
 */
class PageStockTest {
    private static final long SIZE = 2L << 20;
    private final ShmDirectory dir = ShmDirectory.current();

    @AfterEach
    void stockOff() {
        dir.releasePageStock();
        System.clearProperty(Settings.PAGE_STOCK_PROPERTY);
    }

    @Test
    void shouldReuseTheFileOfAClosedSegmentOnlyWhenTheStockIsOn() throws Exception {
        String off = TestNames.unique("stock-off");
        publishPattern(off, SIZE).close();
        assertThat(dir.find(off)).isEmpty();
        assertThat(stockFiles(ProcessHandle.current().pid())).as("off by default").isEmpty();

        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
        String first = TestNames.unique("stock-first");
        Segment s = publishPattern(first, SIZE);
        Object inode = inode(s.path());
        s.close();
        assertThat(dir.find(first)).as("the name is gone, as after an unlink").isEmpty();
        assertThat(dir.pageStockBytes()).isEqualTo(SIZE);
        List<String> stock = stockFiles(ProcessHandle.current().pid());
        assertThat(stock).hasSize(1);
        assertThat(inode(dir.path().resolve(stock.get(0)))).isEqualTo(inode);

        String second = TestNames.unique("stock-second");
        long smaller = SIZE - 12345;
        try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(smaller).withName(second))) {
            assertThat(p.recycled()).isTrue();
            assertThat(dir.pageStockBytes()).isZero();
            assertThat(stockFiles(ProcessHandle.current().pid())).isEmpty();
            byte[] bytes = new byte[(int) smaller];
            Arrays.fill(bytes, (byte) 9);
            p.write(0, MemorySegment.ofArray(bytes));
            try (Segment published = p.publish()) {
                assertThat(inode(published.path())).as("the same tmpfs pages").isEqualTo(inode);
                assertThat(Files.size(published.path())).isEqualTo(smaller);
                String sum = Processes.java(SegmentChild.class, "checksum", second).assertOk().stdout().trim();
                assertThat(Long.parseLong(sum)).isEqualTo(SegmentChild.checksum(MemorySegment.ofArray(bytes)));
            }
        }

        assertThat(dir.pageStockBytes()).as("closed again: back in stock").isEqualTo(smaller);
        dir.releasePageStock();
        // small segments are unlinked as before; the cap drops the oldest file
        publishPattern(TestNames.unique("stock-small"), 4096).close();
        assertThat(dir.pageStockBytes()).isZero();
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "3m");
        publishPattern(TestNames.unique("stock-a"), SIZE).close();
        publishPattern(TestNames.unique("stock-b"), SIZE).close();
        assertThat(dir.pageStockBytes()).isEqualTo(SIZE);
        assertThat(stockFiles(ProcessHandle.current().pid())).hasSize(1);
        // plain reserve never takes stock pages (its callers expect zeros)
        try (PendingSegment p = dir.reserve(SegmentSpec.of(SIZE))) {
            assertThat(p.recycled()).isFalse();
            assertThat(p.memory().get(ValueLayout.JAVA_BYTE, 5)).isZero();
        }
    }

    @Test
    void shouldHandTheKeptMappingToTheNextCreationAndInvalidateTheOldView() throws Exception {
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
        Segment s = publishPattern(TestNames.unique("stock-kept"), SIZE);
        MemorySegment oldView = s.memory();
        long address = oldView.address();
        s.close();
        assertThat(stockMappings()).as("the stock keeps the owner's mapping").isEqualTo(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> oldView.get(ValueLayout.JAVA_BYTE, 0))
                .as("the closed handle's view is gone even though the pages stay mapped")
                .isInstanceOf(IllegalStateException.class);

        String second = TestNames.unique("stock-kept-second");
        long smaller = SIZE - 3 * 4096 - 7;
        try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(smaller).withName(second))) {
            assertThat(p.recycled()).isTrue();
            assertThat(p.reusesMapping()).as("the kept mapping, with its page-table entries").isTrue();
            assertThat(p.memory().address()).isEqualTo(address);
            assertThat(p.memory().byteSize()).isEqualTo(smaller);
            p.memory().fill((byte) 3);
            try (Segment published = p.publish()) {
                assertThat(published.memory().byteSize()).isEqualTo(smaller);
                assertThat(published.isReadOnly()).isTrue();
                assertThat(Files.size(published.path())).isEqualTo(smaller);
                byte[] expect = new byte[(int) smaller];
                Arrays.fill(expect, (byte) 3);
                String sum = Processes.java(SegmentChild.class, "checksum", second).assertOk().stdout().trim();
                assertThat(Long.parseLong(sum)).isEqualTo(SegmentChild.checksum(MemorySegment.ofArray(expect)));
            }
        }
        assertThat(stockMappings()).isEqualTo(1);

        // an attach in this same process still maps the file: never reused, its bytes stay
        Segment owner = publishPattern(TestNames.unique("stock-kept-attached"), SIZE);
        long expected = SegmentChild.checksum(owner.memory());
        Object ownerInode = inode(owner.path());
        try (Segment attached = dir.attach(owner.name(), Access.READ_ONLY)) {
            owner.close();
            for (int i = 0; i < 3; i++) { // the attached file is tried first (exact size) and let go
                try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(SIZE))) {
                    p.memory().fill((byte) 0x55);
                    try (Segment published = p.publish()) {
                        assertThat(inode(published.path())).as("never the file mapped by another handle here")
                                .isNotEqualTo(ownerInode);
                    }
                }
            }
            assertThat(SegmentChild.checksum(attached.memory())).isEqualTo(expected);
        }

        // a creation larger than the kept mapping maps afresh and lets the kept one go
        try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(4 * SIZE))) {
            assertThat(p.recycled()).isTrue();
            assertThat(p.reusesMapping()).isFalse();
            p.memory().fill((byte) 1);
            p.publish().close();
        }
        dir.releasePageStock();
        assertThat(stockMappings()).as("released: unmapped").isZero();
    }

    /**
     * This process's mappings of its stock files, found by inode (/proc/self/maps names a mapping
     * by the path it was opened under, which was the segment's temporary name).
     */
    private long stockMappings() throws Exception {
        java.util.Set<String> inodes = new java.util.HashSet<>();
        for (String f : stockFiles(ProcessHandle.current().pid())) {
            inodes.add(inode(dir.path().resolve(f)).toString());
        }
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(l -> l.trim().split("\\s+")).filter(f -> f.length >= 6 && inodes.contains(f[4])).count();
        }
    }

    @Test
    void shouldReportABadCapAtCreationButStillUnlinkOnClose() throws Exception {
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "lots");
        String name = TestNames.unique("stock-bad");
        publishPattern(name, SIZE).close();
        assertThat(dir.find(name)).isEmpty();
        assertThat(stockFiles(ProcessHandle.current().pid())).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dir.reserveForOverwrite(SegmentSpec.of(SIZE)))
                .isInstanceOf(io.shm4j.Shm4jException.class)
                .hasMessageContaining("shm4j.pageStock=lots");
    }

    @Test
    void shouldNeverHandOutAFileAnotherJvmStillMaps() throws Exception {
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
        String name = TestNames.unique("stock-mapped-jvm");
        Segment s = publishPattern(name, SIZE);
        long expected = SegmentChild.checksum(s.memory());
        Process child = Processes.javaBuilder(PageStockChild.class, "map-and-hold", name).start();
        assertReaderKeepsItsBytes(child, s, expected);
    }

    @Test
    void shouldNeverHandOutAFileAPythonProcessStillMaps() throws Exception {
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
        String name = TestNames.unique("stock-mapped-py");
        Segment s = publishPattern(name, SIZE);
        long expected = pythonSum(s.memory());
        // numpy.memmap by path: no shm4j code, no pin; the mapping is the only trace
        String script = """
                import sys, numpy as np
                m = np.memmap(sys.argv[1], dtype=np.uint8, mode="r")
                print("MAPPED", int(m.sum(dtype=np.int64)), flush=True)
                sys.stdin.readline()
                print("AGAIN", int(m.sum(dtype=np.int64)), flush=True)
                """;
        ProcessBuilder pb = new ProcessBuilder(Processes.pythonExecutable(), "-c", script, s.path().toString());
        Process child = pb.start();
        assertReaderKeepsItsBytes(child, s, expected);
    }

    private void assertReaderKeepsItsBytes(Process child, Segment s, long expected) throws Exception {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                Writer in = child.outputWriter()) {
            String mapped = out.readLine();
            assertThat(mapped).as("reader mapped it").isEqualTo("MAPPED " + expected);
            Object inode = inode(s.path());
            s.close();
            assertThat(dir.pageStockBytes()).as("closed by its owner: in stock").isEqualTo(SIZE);
            byte[] junk = new byte[(int) SIZE];
            Arrays.fill(junk, (byte) 0x55);
            try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(SIZE))) {
                assertThat(p.recycled()).as("a file another process maps is never reused").isFalse();
                assertThat(dir.pageStockBytes()).as("it stays in stock, untouched").isEqualTo(SIZE);
                assertThat(stockFiles(ProcessHandle.current().pid())).hasSize(1);
                p.write(0, MemorySegment.ofArray(junk));
                try (Segment fresh = p.publish()) {
                    assertThat(inode(fresh.path())).isNotEqualTo(inode);
                }
            }
            in.write("go\n");
            in.flush();
            assertThat(out.readLine()).as("the reader still sees the old bytes").isEqualTo("AGAIN " + expected);
            assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // the reader is gone: the file it mapped (the oldest in stock) serves the next creation
            try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(SIZE))) {
                assertThat(p.recycled()).isTrue();
                p.write(0, MemorySegment.ofArray(junk));
                try (Segment reused = p.publish()) {
                    assertThat(inode(reused.path())).as("the pages the reader let go of").isEqualTo(inode);
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
    }

    @Test
    void shouldLeaveNothingAfterKill9AndGc() throws Exception {
        Process child = Processes.javaBuilder(PageStockChild.class, "stock-and-hold", Long.toString(SIZE)).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("READY " + 2 * SIZE);
            assertThat(stockFiles(child.pid())).hasSize(2);
            assertThat(dir.gc(false).tempFiles()).as("a live process's stock is left alone")
                    .noneMatch(n -> n.startsWith(".shm4j-tmp." + child.pid() + "."));
            assertThat(stockFiles(child.pid())).hasSize(2);
            Processes.kill9(child.toHandle());
            GcReport report = dir.gc(false);
            assertThat(report.tempFiles()).filteredOn(n -> n.startsWith(".shm4j-tmp." + child.pid() + ".")).hasSize(2);
            assertThat(stockFiles(child.pid())).isEmpty();
        } finally {
            child.destroyForcibly();
            Awaits.until("child gone", Duration.ofSeconds(10), () -> !child.isAlive());
        }
    }

    @Test
    void shouldNeverTakeOrRemoveFilesPlantedUnderStockNames() throws Exception {
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
        ProcessIdentity self = ProcessIdentity.current();
        String prefix = ".shm4j-tmp." + self.pid() + "." + self.startTicks() + ".stock-";
        Path plantedFile = dir.path().resolve(prefix + "0000000000000000");
        Path plantedFifo = dir.path().resolve(prefix + "1111111111111111");
        Path plantedLink = dir.path().resolve(prefix + "2222222222222222");
        Path victim = dir.path().resolve(TestNames.unique("stock-victim"));
        Path deadPlanted = dir.path().resolve(".shm4j-tmp.999999999.1.stock-3333333333333333");
        byte[] junk = new byte[(int) SIZE];
        Arrays.fill(junk, (byte) 0x5a);
        try {
            Files.write(plantedFile, junk);
            Files.write(victim, new byte[] {1, 2, 3});
            Files.write(deadPlanted, new byte[] {4, 5, 6});
            Processes.run(new ProcessBuilder("mkfifo", plantedFifo.toString()), Duration.ofSeconds(10)).assertOk();
            Files.createSymbolicLink(plantedLink, victim);

            for (int i = 0; i < 2; i++) { // deposit and take, with the planted names around
                publishPattern(TestNames.unique("stock-cycle"), SIZE).close();
                try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(SIZE))) {
                    assertThat(p.recycled()).isTrue();
                    p.write(0, MemorySegment.ofArray(new byte[(int) SIZE]));
                    try (Segment published = p.publish()) {
                        assertThat(inode(published.path())).isNotEqualTo(inode(plantedFile));
                    }
                }
            }
            // a stock name swapped for another file (same user) after the deposit: not taken, not removed
            dir.releasePageStock();
            publishPattern(TestNames.unique("stock-swapped"), SIZE).close();
            List<String> stock = stockFiles(self.pid()).stream()
                    .filter(n -> !dir.path().resolve(n).equals(plantedFile) && !dir.path().resolve(n).equals(plantedFifo)
                            && !dir.path().resolve(n).equals(plantedLink)).toList();
            assertThat(stock).hasSize(1);
            Path swapped = dir.path().resolve(stock.get(0));
            Path replacement = dir.path().resolve(TestNames.unique("stock-replacement"));
            Files.write(replacement, junk);
            Files.move(replacement, swapped, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(SIZE))) {
                assertThat(p.recycled()).as("not the file this process stocked").isFalse();
            }
            assertThat(Files.readAllBytes(swapped)).isEqualTo(junk);
            Files.delete(swapped);

            GcReport report = dir.gc(false); // must not hang on the FIFO nor follow the link
            assertThat(report.tempFiles()).doesNotContain(plantedFile.getFileName().toString(),
                    plantedFifo.getFileName().toString(), plantedLink.getFileName().toString(),
                    deadPlanted.getFileName().toString());
            assertThat(Files.readAllBytes(plantedFile)).isEqualTo(junk);
            assertThat(Files.readAllBytes(victim)).containsExactly(1, 2, 3);
            assertThat(Files.readAllBytes(deadPlanted)).containsExactly(4, 5, 6);
            assertThat(Files.isSymbolicLink(plantedLink)).isTrue();
        } finally {
            for (Path p : List.of(plantedFile, plantedFifo, plantedLink, victim, deadPlanted)) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void shouldMoveAPersistentSegmentByNameIntoTheStockAndRefuseAnythingElse() throws Exception {
        String name = TestNames.unique("stock-byname");
        Path file = dir.path().resolve(name);
        Path link = dir.path().resolve(TestNames.unique("stock-link"));
        Path foreign = dir.path().resolve(TestNames.unique("stock-foreign"));
        try {
            try (PendingSegment p = dir.reserve(SegmentSpec.of(SIZE).withName(name).withLifetime(Lifetime.PERSISTENT))) {
                p.write(0, MemorySegment.ofArray(new byte[(int) SIZE]));
                p.publish().close();
            }
            Object inode = inode(file);
            assertThat(dir.moveToPageStock(name)).as("off by default").isFalse();
            assertThat(dir.find(name)).isPresent();

            System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
            Files.createSymbolicLink(link, file); // to a real segment: never followed
            Files.write(foreign, new byte[(int) SIZE]);
            assertThat(dir.moveToPageStock(link.getFileName().toString())).as("a link").isFalse();
            assertThat(dir.moveToPageStock(foreign.getFileName().toString())).as("no shm4j metadata").isFalse();
            assertThat(dir.moveToPageStock(TestNames.unique("stock-missing"))).isFalse();
            assertThat(Files.isSymbolicLink(link)).isTrue();
            assertThat(inode(file)).isEqualTo(inode);
            assertThat(Files.size(foreign)).isEqualTo(SIZE);
            assertThat(dir.pageStockBytes()).isZero();

            assertThat(dir.moveToPageStock(name)).isTrue();
            assertThat(dir.find(name)).as("the name is gone, as after an unlink").isEmpty();
            assertThat(dir.pageStockBytes()).isEqualTo(SIZE);
            try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(SIZE))) {
                assertThat(p.recycled()).isTrue();
                p.write(0, MemorySegment.ofArray(new byte[(int) SIZE]));
                try (Segment published = p.publish()) {
                    assertThat(inode(published.path())).as("the moved segment's pages").isEqualTo(inode);
                }
            }
        } finally {
            for (Path p : List.of(file, link, foreign)) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void shouldKeepTheWritersMappingOfAPersistentSegmentUntilItIsMovedIntoTheStockWhenAsked() throws Exception {
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
        String name = TestNames.unique("stock-keep");
        String forgotten = TestNames.unique("stock-keep-forgotten");
        String removed = TestNames.unique("stock-keep-removed");
        Path file = dir.path().resolve(name);
        try {
            // asked: the writer's mapping of the persistent segment stays after its handle closes
            dir.keepMappingOnPublish(name);
            publishPersistentPattern(name).close();
            Object inode = inode(file);
            List<long[]> kept = writableMappings(inode);
            assertThat(kept).as("the writer's mapping, parked").hasSize(1);
            assertThat(dir.find(name)).as("the segment stays published").isPresent();
            String sum = Processes.java(SegmentChild.class, "checksum", name).assertOk().stdout().trim();
            assertThat(Long.parseLong(sum)).isEqualTo(patternChecksum(SIZE));

            // moved into the stock by name: with that mapping, which the next creation reuses
            assertThat(dir.moveToPageStock(name)).isTrue();
            assertThat(stockMappings()).isEqualTo(1);
            String next = TestNames.unique("stock-keep-next");
            try (PendingSegment p = dir.reserveForOverwrite(SegmentSpec.of(SIZE).withName(next))) {
                assertThat(p.recycled()).isTrue();
                assertThat(p.reusesMapping()).as("the parked mapping, page-table entries set up").isTrue();
                assertThat(p.memory().address()).isEqualTo(kept.get(0)[0]);
                p.memory().fill((byte) 7);
                try (Segment published = p.publish()) {
                    assertThat(inode(published.path())).isEqualTo(inode);
                    byte[] expect = new byte[(int) SIZE];
                    Arrays.fill(expect, (byte) 7);
                    String got = Processes.java(SegmentChild.class, "checksum", next).assertOk().stdout().trim();
                    assertThat(Long.parseLong(got)).isEqualTo(SegmentChild.checksum(MemorySegment.ofArray(expect)));
                }
            }

            // not asked: nothing kept
            String plain = TestNames.unique("stock-keep-plain");
            publishPersistentPattern(plain).close();
            assertThat(writableMappings(inode(dir.path().resolve(plain)))).isEmpty();
            dir.remove(plain);

            // forgotten: the parked mapping goes, the segment stays
            dir.keepMappingOnPublish(forgotten);
            publishPersistentPattern(forgotten).close();
            Object forgottenInode = inode(dir.path().resolve(forgotten));
            assertThat(writableMappings(forgottenInode)).hasSize(1);
            dir.forgetKeptMapping(forgotten);
            assertThat(writableMappings(forgottenInode)).isEmpty();
            assertThat(dir.find(forgotten)).isPresent();

            // removed by anyone (here `rm`): the next call into the stock lets its memory go
            dir.keepMappingOnPublish(removed);
            publishPersistentPattern(removed).close();
            Object removedInode = inode(dir.path().resolve(removed));
            Files.delete(dir.path().resolve(removed));
            assertThat(writableMappings(removedInode)).as("held only by the parked mapping").hasSize(1);
            dir.releasePageStock();
            assertThat(writableMappings(removedInode)).isEmpty();
        } finally {
            for (String n : List.of(name, forgotten, removed)) {
                dir.forgetKeptMapping(n);
                Files.deleteIfExists(dir.path().resolve(n));
            }
        }
    }

    private Segment publishPersistentPattern(String name) {
        try (PendingSegment p = dir.reserve(SegmentSpec.of(SIZE).withName(name).withLifetime(Lifetime.PERSISTENT))) {
            byte[] b = new byte[(int) SIZE];
            for (int i = 0; i < b.length; i++) {
                b[i] = SegmentChild.pattern(i);
            }
            p.write(0, MemorySegment.ofArray(b)); // pwrite: the mapping itself is never touched
            return p.publish();
        }
    }

    private static long patternChecksum(long size) {
        byte[] b = new byte[(int) size];
        for (int i = 0; i < b.length; i++) {
            b[i] = SegmentChild.pattern(i);
        }
        return SegmentChild.checksum(MemorySegment.ofArray(b));
    }

    /** This process's writable shared mappings of the file {@code inode}: {start, end} each. */
    private static List<long[]> writableMappings(Object inode) throws Exception {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(l -> l.trim().split("\\s+"))
                    .filter(f -> f.length >= 6 && f[1].startsWith("rw") && f[1].endsWith("s") && f[4].equals(inode.toString()))
                    .map(f -> {
                        String[] range = f[0].split("-");
                        return new long[] {Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16)};
                    })
                    .toList();
        }
    }

    @Test
    void shouldReleaseTheStockRatherThanFailOnAFullTmpfs() {
        assumeTrue(SmallTmpfs.available(), "needs root to mount a tmpfs");
        System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
        try (SmallTmpfs fs = SmallTmpfs.mount(8L << 20, "")) {
            ShmDirectory small = ShmDirectory.of(fs.path());
            try (PendingSegment p = small.reserve(SegmentSpec.of(5L << 20))) {
                p.publish().close();
            }
            assertThat(small.pageStockBytes()).isEqualTo(5L << 20);
            try (PendingSegment p = small.reserve(SegmentSpec.of(6L << 20))) {
                assertThat(p.recycled()).isFalse();
                assertThat(small.pageStockBytes()).as("released to make room").isZero();
            }
            try (PendingSegment p = small.reserve(SegmentSpec.of(5L << 20))) {
                p.publish().close();
            }
            // a stock file smaller than asked is grown (posix_fallocate of the tail)
            try (PendingSegment p = small.reserveForOverwrite(SegmentSpec.of(6L << 20))) {
                assertThat(small.pageStockBytes()).isZero();
                assertThat(p.size()).isEqualTo(6L << 20);
            }
        }
    }

    private Segment publishPattern(String name, long size) {
        try (PendingSegment p = dir.reserve(SegmentSpec.of(size).withName(name))) {
            byte[] b = new byte[(int) size];
            for (int i = 0; i < b.length; i++) {
                b[i] = SegmentChild.pattern(i);
            }
            p.write(0, MemorySegment.ofArray(b));
            return p.publish();
        }
    }

    private static long pythonSum(MemorySegment m) {
        long sum = 0;
        for (long i = 0; i < m.byteSize(); i++) {
            sum += Byte.toUnsignedInt(m.get(ValueLayout.JAVA_BYTE, i));
        }
        return sum;
    }

    private List<String> stockFiles(long pid) throws Exception {
        try (var s = Files.list(dir.path())) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(".shm4j-tmp." + pid + ".") && n.contains(".stock-")).sorted().toList();
        }
    }

    private static Object inode(Path p) throws Exception {
        return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }
}
