package io.shm4j.cli;

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
        try (Segment s = Segment.create(name, 3 << 20)) {
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
    void shouldShowOneSegment() {
        String name = TestNames.unique("cli-info");
        try (Segment s = Segment.create(name, 100)) {
            Run r = run("info", name);
            assertThat(r.code()).isZero();
            assertThat(r.out()).contains("name:", name, "kind:", "raw", "mode:", "0600");
            assertThat(run("info", name, "--json").out()).startsWith("{\"name\":\"" + name + "\"");
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
        assertThat(r.err()).startsWith("shm4j: error: no such segment: name=" + missing);
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
}
