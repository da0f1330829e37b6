package io.shm4j.cli;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentSpec;
import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.TestNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class CliTest {
    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void shouldListSegmentsWithOwnerAndLifetime() {
        String name = TestNames.unique("cli-ls");
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), 3 << 20)) {
            Run r = run("ls");
            assertThat(r.code()).isZero();
            assertThat(r.out()).containsPattern(name + "\\s+raw\\s+3\\.0 MiB\\s+"
                    + ProcessHandle.current().pid() + "\\s+yes\\s+scoped\\s+\\d+s");
            Run json = run("ls", "--json");
            assertThat(json.out()).contains("\"name\":\"" + name + "\"", "\"kind\":\"raw\"",
                    "\"size\":" + (3 << 20), "\"ownerAlive\":true", "\"lifetime\":\"scoped\"");
        }
    }

    @Test
    void shouldListTheSameWithoutPicocliAsWithIt() {
        String name = TestNames.unique("cli-fast");
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), 1 << 20)) {
            for (String[] args : new String[][] {{"ls"}, {"ls", "--json"}, {"ls", "-a"}, {"ls", "--all", "--json"},
                    {"--dir", io.shm4j.testkit.LeakCheck.shmDirectory().toString(), "ls"},
                    {"ls", "--dir=" + io.shm4j.testkit.LeakCheck.shmDirectory()}}) {
                Run fast = runWith(true, args);
                Run picocli = runWith(false, args);
                assertThat(fast.code()).isZero();
                assertThat(fast.out()).contains(name);
                // other suites share the shm directory: compare the header and this test's segment
                assertThat(mine(fast.out(), name)).as(String.join(" ", args)).isEqualTo(mine(picocli.out(), name));
                assertThat(fast.err()).isEqualTo(picocli.err());
            }
        }
    }

    @Test
    void shouldPutTheSameWithoutPicocliAsWithIt() throws Exception {
        java.nio.file.Path dirTmp = java.nio.file.Files.createTempDirectory("shm4j-cli");
        java.nio.file.Path csv = java.nio.file.Files.writeString(dirTmp.resolve("in.csv"), "id,price\n1,2.5\n2,\n");
        String shm = io.shm4j.testkit.LeakCheck.shmDirectory().toString();
        // another live process: a segment owned by this one goes when its handle closes
        String pid = Long.toString(ProcessHandle.current().parent().orElseThrow().pid());
        String f = csv.toString();
        String[][] variants = {{"put", f, "--name", "N"}, {"put", "--name=N", f, "--persistent"},
            {"--dir", shm, "put", f, "--scoped", "--name", "N"}, {"put", f, "--dir=" + shm, "--name", "N"},
            {"put", f, "--owner-pid", pid, "--name", "N"}, {"put", "--persistent", "--scoped", f, "--name", "N"},
            {"put", f, "--name", "N", "--name", "N"}, {"put", f, f, "--name", "N"}, {"put", "--name", "N"},
            {"put", dirTmp.resolve("missing.csv").toString(), "--name", "N"}, {"put", "--", f, "--name", "N"},
            {"put", f, "--frame", "--name", "N"}};
        try {
            for (String[] v : variants) {
                String a = TestNames.unique("cli-fput");
                String b = TestNames.unique("cli-pput");
                Run fast = runWith(true, java.util.Arrays.stream(v).map(x -> x.replace("N", a)).toArray(String[]::new));
                Run picocli = runWith(false, java.util.Arrays.stream(v).map(x -> x.replace("N", b)).toArray(String[]::new));
                String what = String.join(" ", v);
                assertThat(fast.code()).as(what).isEqualTo(picocli.code());
                assertThat(fast.out().replace(a, "N")).as(what).isEqualTo(picocli.out().replace(b, "N"));
                assertThat(fast.err().replace(a, "N")).as(what).isEqualTo(picocli.err().replace(b, "N"));
                if (fast.code() == 0) {
                    assertThat(ShmDirectory.current().find(a)).as(what + ": " + fast.out()).isPresent();
                    var fi = ShmDirectory.current().info(a);
                    var pi = ShmDirectory.current().info(b);
                    assertThat(fi.lifetime()).as(what).isEqualTo(pi.lifetime());
                    assertThat(fi.size()).as(what).isEqualTo(pi.size());
                }
                for (String n : new String[] {a, b}) {
                    ShmDirectory.current().find(n).ifPresent(i -> ShmDirectory.current().remove(n));
                }
            }
        } finally {
            java.nio.file.Files.deleteIfExists(csv);
            java.nio.file.Files.deleteIfExists(dirTmp);
        }
    }

    private static Run runWith(boolean fastPath, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err), fastPath);
        return new Run(code, out.toString(), err.toString());
    }

    /** The listing's header and the entry of segment {@code name}, ages masked. */
    private static String mine(String listing, String name) {
        if (listing.startsWith("[")) {
            for (var e : com.google.gson.JsonParser.parseString(listing).getAsJsonArray()) {
                if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                    return ages(e.toString());
                }
            }
            return "(not listed)";
        }
        // column widths follow the longest name listed, and other suites' segments come and go
        return ages(listing.lines().filter(l -> l.startsWith("NAME") || l.startsWith(name + " "))
                .map(l -> l.replaceAll(" +", " ")).reduce("", (a, b) -> a + b + "\n"));
    }

    /** Ages may tick between two listings. */
    private static String ages(String listing) {
        return listing.replaceAll("\"ageSeconds\":\\d+", "\"ageSeconds\":N").replaceAll("\\b\\d+[smhd]\\b", "N");
    }

    @Test
    void shouldCarryNoneOfTheBenchmarksDependencies() {
        for (String benchOnly : new String[] {"org.openjdk.jmh.Main", "org.knowm.xchart.XYChart", "io.shm4j.bench.Relaunch"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Class.forName(benchOnly))
                    .as(benchOnly).isInstanceOf(ClassNotFoundException.class);
        }
        assertThat(run("--help").out()).doesNotContain("bench");   // the plug-in is absent here
    }

    @Test
    void shouldShowOneSegment() {
        String name = TestNames.unique("cli-info");
        try (Segment s = Segment.create(ShmOptions.named(name).asMutable(), 100)) {
            Run r = run("info", name);
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("name:", name, "kind:", "raw", "mode:", "0600");
            assertThat(run("info", name, "--json").out()).startsWith("{\"name\":\"" + name + "\"");
        }
    }

    @Test
    void shouldShowTheItemsOfAList() {
        String name = TestNames.unique("cli-list");
        try (io.shm4j.list.SharedList l = io.shm4j.list.SharedList.create(name,
                java.util.Arrays.asList(7L, 2.5, "idle", null, new byte[] {1, 2}))) {
            Run r = run("info", name);
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("kind:", "list", "items:", "5", "7", "2.5", "idle", "b'0102' (hex)");
            assertThat(run("info", name, "--json").out()).contains("\"items\":5", "\"values\":[7,2.5,\"idle\",null,");
        }
    }

    @Test
    void shouldRemoveSegmentsAndReportMissingOnesInOneLine() {
        String a = TestNames.unique("cli-rm");
        try (PendingSegment p = Segment.reserve(SegmentSpec.of(8).withName(a).persistent())) {
            p.publish().close();
        }
        String missing = TestNames.unique("cli-missing");
        Run r = run("rm", a, missing);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("shm4j: error: no such segment: name=\"" + missing + "\""); // names are quoted (escaped)
        assertThat(ShmDirectory.current().find(a)).isEmpty();
        assertThat(run("rm", "-f", missing).code()).isZero();
    }

    @Test
    void shouldFailWithOneLineOnErrorsAndTwoOnUsageErrors() {
        Run missing = run("info", TestNames.unique("nope"));
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err().strip().lines()).hasSize(1);
        assertThat(missing.err()).doesNotContain("Exception", "\tat ");
        Run bad = run("info", "a/b");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("invalid segment name");
        assertThat(run("ls", "--bogus").code()).isEqualTo(2);
        assertThat(run().code()).isEqualTo(2);
        assertThat(run("frobnicate").code()).isEqualTo(2);
    }

    @Test
    void shouldGcWithDryRunAndJson() {
        Run dry = run("gc", "--dry-run");
        assertThat(dry.code()).isZero();
        assertThat(dry.out()).contains("would remove");
        Run json = run("gc", "--json");
        assertThat(json.out()).startsWith("{\"dryRun\":false,\"segments\":[");
    }

    @Test
    void shouldPrintHelpForEveryCommand() {
        for (String cmd : new String[] {"ls", "info", "rm", "gc"}) {
            Run r = run(cmd, "--help");
            assertThat(r.code()).isZero();
            assertThat(r.out()).startsWith("Usage: shm4j " + cmd);
        }
    }

    @Test
    void shouldPutInfoAndExportAnArrayThroughNumpyFiles() throws Exception {
        java.nio.file.Path dirTmp = java.nio.file.Files.createTempDirectory("shm4j-cli");
        java.nio.file.Path in = dirTmp.resolve("in.npy");
        java.nio.file.Path out = dirTmp.resolve("out.npy");
        String name = TestNames.unique("cli-put");
        io.shm4j.testkit.Processes.python("import numpy as np, sys; np.save(sys.argv[1], np.arange(6, dtype='<i4').reshape(2, 3))",
                in.toString()).assertOk();
        try {
            Run put = run("put", in.toString(), "--name", name);
            assertThat(put.code()).as(put.err()).isZero();
            assertThat(put.out()).contains(name, "int32", "(2, 3)");
            assertThat(ShmDirectory.current().info(name).lifetime()).as("persistent by default")
                    .isEqualTo(io.shm4j.segment.Lifetime.PERSISTENT);
            assertThat(put.out()).contains("persistent (remove with: shm4j rm " + name + ")");
            assertThat(run("info", name).out()).contains("dtype:", "int32", "shape:", "[2, 3]");
            assertThat(run("export", name, out.toString()).code()).isZero();
            assertThat(java.nio.file.Files.readAllBytes(out)).isEqualTo(java.nio.file.Files.readAllBytes(in));
            Run bad = run("put", dirTmp.resolve("x.txt").toString());
            assertThat(bad.code()).isEqualTo(1);
            assertThat(bad.err()).contains("no such file", ".npy", ".csv", ".arrow", ".feather", ".ipc");
        } finally {
            ShmDirectory.current().find(name).ifPresent(i -> ShmDirectory.current().remove(name));
            java.nio.file.Files.deleteIfExists(in);
            java.nio.file.Files.deleteIfExists(out);
            java.nio.file.Files.deleteIfExists(dirTmp);
        }
    }

    @Test
    void shouldShowStoreObjectsAndStats() {
        String store = TestNames.unique("cli-store");
        try (io.shm4j.store.ObjectStore s = io.shm4j.store.ObjectStore.open(store)) {
            var ref = s.put(new byte[1000]);
            Run ls = run("ls");
            assertThat(ls.out()).contains("STORE", store, ref.name(), "1000 B", "memory");
            Run stats = run("store", "stats");
            assertThat(stats.code()).isZero();
            assertThat(stats.out()).contains(store).contains("CAPACITY");
            assertThat(run("store", "stats", "--json").out()).contains("\"store\":\"" + store + "\"", "\"objects\":1");
        }
    }

    @Test
    void shouldPutHeadAndExportAFrameFromCsv() throws Exception {
        java.nio.file.Path dirTmp = java.nio.file.Files.createTempDirectory("shm4j-cli");
        java.nio.file.Path csv = dirTmp.resolve("in.csv");
        java.nio.file.Path arrow = dirTmp.resolve("out.arrow");
        java.nio.file.Files.writeString(csv, "id,price,name\n1,2.5,\"a, b\"\n2,,zé\n3,4.0,\n");
        String name = TestNames.unique("cli-frame");
        try {
            Run put = run("put", csv.toString(), "--name", name, "--persistent");
            assertThat(put.code()).as(put.err()).isZero();
            assertThat(put.out()).contains(name, "3 rows x 3 columns");
            assertThat(ShmDirectory.current().info(name).lifetime()).isEqualTo(io.shm4j.segment.Lifetime.PERSISTENT);
            Run head = run("head", name, "-n", "2");
            assertThat(head.out()).contains("id", "price", "a, b", "zé").doesNotContain("4.0");
            assertThat(run("info", name, "--json").out()).contains("\"rows\":3", "\"columns\":3");
            assertThat(run("export", name, arrow.toString()).code()).isZero();
            String py = io.shm4j.testkit.Processes.python("""
                    import sys, pyarrow as pa
                    t = pa.ipc.open_file(pa.memory_map(sys.argv[1])).read_all()
                    print(t.num_rows, t.column("name").to_pylist(), t.column("price").null_count)
                    """, arrow.toString()).assertOk().stdout().strip();
            assertThat(py).isEqualTo("3 ['a, b', 'zé', None] 1");
            assertThat(run("head", name, "-n", "-1").code()).isEqualTo(2);
        } finally {
            ShmDirectory.current().find(name).ifPresent(i -> ShmDirectory.current().remove(name));
            java.nio.file.Files.deleteIfExists(csv);
            java.nio.file.Files.deleteIfExists(arrow);
            java.nio.file.Files.deleteIfExists(dirTmp);
        }
    }
}
