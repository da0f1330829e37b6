package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The small parts of the benchmark: sizes, memory figures, Python results, targets. */
class PartsTest {
    @Test
    void shouldReadSizesAsBenchPyDoes() {
        assertThat(SizeFactor.parse("0.2")).isEqualTo(0.2);
        assertThat(SizeFactor.parse("1")).isEqualTo(1.0);
        assertThat(SizeFactor.parse("200MB")).isCloseTo(200e6 / 1.5e9, within(1e-12));
        assertThat(SizeFactor.parse("1.5GB")).isCloseTo(1.0, within(1e-12));
        assertThat(SizeFactor.parse(" 1GiB ")).isCloseTo(0x1p30 / 1.5e9, within(1e-12));
        assertThat(SizeFactor.parse("1e-3")).isEqualTo(0.001);
        for (String bad : List.of("", "abc", "0", "-1", "1.5XB", "11", "NaN")) {
            assertThatThrownBy(() -> SizeFactor.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(SizeFactor.format(0.2)).isEqualTo("0.2");
        assertThat(SizeFactor.format(1)).isEqualTo("1");
    }

    @Test
    void shouldPickADefaultSizeBetweenAFloorAndOne() {
        double f = SizeFactor.defaultFor(io.shm4j.Settings.shmDirectory());
        assertThat(f).isBetween(0.05, 1.0);
        assertThat(f * 20).isCloseTo(Math.rint(f * 20), within(1e-9));
    }

    @Test
    void shouldParseSmapsRollupAndReportTheLargestGrowth() {
        WorkerMemory a = WorkerMemory.parse(List.of("55d0-7ffd ---p 00000000 00:00 0 [rollup]", "Rss:  20480 kB",
                "Pss:  10240 kB", "Pss_Anon: 1 kB", "Anonymous: 4096 kB"));
        assertThat(a).isEqualTo(new WorkerMemory(20, 10, 4));
        WorkerMemory b = new WorkerMemory(30, 12, 104);
        WorkerMemory c = new WorkerMemory(21, 11, 5);
        Map<String, Double> s = WorkerMemory.summary(List.of(a, a), List.of(b, c));
        assertThat(s).containsEntry("anon_added", 100.0).containsEntry("rss_added", 10.0)
                .containsEntry("pss_added", 2.0).containsEntry("anon", 104.0).containsEntry("pss", 12.0);
    }

    @Test
    void shouldReadOwnMemoryFromProc() {
        WorkerMemory self = WorkerMemory.of(ProcessHandle.current().pid());
        assertThat(self.rss()).isPositive();
        assertThat(self.anon()).isPositive();
        assertThat(WorkerMemory.of(Long.MAX_VALUE).rss()).isNaN();
    }

    @Test
    void shouldTurnABenchPyLineIntoAMeasurement() {
        String line = """
                {"schema": "shm4j.bench.python/1", "lang": "python", "workload": "C", "strategy": "pickle",
                 "variant": "tasks=2", "times_s": [0.3, 0.1, 0.2], "median_s": 0.2,
                 "setup": {"data_s": 1.0, "put_s": null, "pool_start_s": 0.5, "ray_init_s": null},
                 "memory": {"worker_added_anon_mb": 104.8576, "worker_pss_mb": 1.048576, "worker_added_rss_mb": null},
                 "check": {"ok": true}, "error": null}""";
        Measurement m = PythonBench.parse(JsonParser.parseString(line).getAsJsonObject());
        assertThat(m.label()).isEqualTo("python pickle [tasks=2]");
        assertThat(m.median()).isEqualTo(0.2);
        assertThat(m.seconds().values()).containsExactly(0.3, 0.1, 0.2);
        assertThat(m.setup()).containsOnlyKeys("data_s", "pool_start_s");
        assertThat(m.memory("anon_added")).isEqualTo(100.0);
        assertThat(m.memory("pss")).isEqualTo(1.0);
        assertThat(m.memory("rss_added")).isNaN();
        assertThat(m.family()).isEqualTo("copied");
        assertThat(m.ok()).isTrue();

        Measurement failed = PythonBench.parse(JsonParser.parseString("""
                {"workload": "A", "strategy": "ray_put", "variant": "", "times_s": [], "setup": {},
                 "memory": null, "check": {"ok": false}, "error": "RuntimeError: no ray"}""").getAsJsonObject());
        assertThat(failed.check()).isEqualTo("error: RuntimeError: no ray");
        assertThat(failed.family()).isEqualTo("shared");
    }

    @Test
    void shouldEvaluateTargetsFromMedians() {
        List<Measurement> rs = List.of(m("A", "java", "threads-heap", "tasks=2", 1.0, "baseline"),
                m("A", "java", "shm4j-processes", "tasks=2", 1.2, "shared"),
                m("A", "java", "shm4j-processes", "tasks=2, first run (cold)", 3.0, "shared"),
                m("A", "java", "serialization", "tasks=2", 30, "copied"),
                m("A", "python", "shm_task", "tasks=2", 4.0, "shared"),
                m("A", "python", "shm_once", "tasks=2", 1.1, "shared"));
        List<Target> ts = new Targets(rs).evaluate();
        assertThat(ts).extracting(Target::what).anyMatch(w -> w.startsWith("shm4j processes / java threads over heap"));
        Target heap = ts.stream().filter(t -> t.what().startsWith("shm4j processes / java threads")).findFirst()
                .orElseThrow();
        assertThat(heap.value()).isCloseTo(1.2, within(1e-12));
        assertThat(heap.met()).isTrue();
        Target ser = ts.stream().filter(t -> t.what().startsWith("java serialization")).findFirst().orElseThrow();
        assertThat(ser.value()).isCloseTo(25, within(1e-12));
        assertThat(ser.met()).isTrue();
        Target python = ts.stream().filter(t -> t.what().startsWith("shm4j processes / best python")).findFirst()
                .orElseThrow();
        assertThat(python.met()).isFalse();
        assertThat(python.describe()).contains("MISSED", "python shm_once");
        Target cold = ts.stream().filter(t -> t.what().startsWith("shm4j first run")).findFirst().orElseThrow();
        assertThat(cold.value()).isCloseTo(0.75, within(1e-12));
    }

    private static Measurement m(String w, String lang, String strategy, String variant, double s, String family) {
        return new Measurement(w, lang, strategy, variant, Samples.of(s, s * 1.1, s * 0.9), Map.of(), Map.of(), "ok",
                family);
    }
}
