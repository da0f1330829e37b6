package io.shm4j.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The targets of issues 5 and 6, computed from a run's results: where shm4j must be within
 * a ratio of threads over heap arrays, ahead of every Python strategy, and how much slower
 * copying must be. A target whose inputs were not measured (a workload not run, Python
 * skipped) is left out. Stateless.
 */
public final class Targets {
    private final List<Measurement> results;

    public Targets(List<Measurement> results) {
        this.results = List.copyOf(results);
    }

    /** Every target whose inputs are present, in workload order. */
    public List<Target> evaluate() {
        List<Target> out = new ArrayList<>();
        for (String v : variants("A")) {
            Predicate<Measurement> inV = m -> m.variant().equals(v);
            ratio(out, "A", "shm4j processes / java threads over heap [" + v + "]",
                    best("A", shm4jProcesses().and(inV)), best("A", strategy("java", "threads-heap").and(inV)), 1.25);
            ratio(out, "A", "java serialization / shm4j processes [" + v + "]",
                    best("A", strategy("java", "serialization").and(inV)), best("A", shm4jProcesses().and(inV)),
                    20, false);
            ratio(out, "A", "shm4j processes / best python [" + v + "]", best("A", shm4jProcesses().and(inV)),
                    best("A", python().and(inV)), 1.0);
            ratio(out, "A", "shm4j first run, mappings cold / python shm_task [" + v + "]",
                    best("A", m -> m.language().equals("java") && m.variant().equals(v + ", first run (cold)")),
                    best("A", strategy("python", "shm_task").and(inV)), 0.6);
        }
        ratio(out, "B", "shm4j processes / java threads over heap", best("B", shm4jProcesses()),
                best("B", strategy("java", "threads-heap")), 1.25);
        ratio(out, "B", "shm4j processes / shm4j threads backend", best("B", shm4jProcesses()),
                best("B", strategy("java", "shm4j-threads")), 1.3);
        ratio(out, "B", "java serialization / shm4j processes", best("B", strategy("java", "serialization")),
                best("B", shm4jProcesses()), 5, false);
        ratio(out, "B", "java sequential / shm4j processes", best("B", strategy("java", "sequential")),
                best("B", shm4jProcesses()), 1.6, false);
        ratio(out, "B", "shm4j processes / best python", best("B", shm4jProcesses()), best("B", python()), 1.0);
        for (String w : List.of("C", "D")) {
            Optional<Measurement> shared = best(w, shm4jProcesses());
            ratio(out, w, "shm4j processes / single-process nansum", shared,
                    best(w, strategy("java", "single-process")), 1.2);
            if (w.equals("C")) {
                ratio(out, w, "java serialization / shm4j processes", best(w, strategy("java", "serialization")),
                        shared, 20, false);
            }
            ratio(out, w, "shm4j processes / best python", shared, best(w, python()), 1.0);
            shared.filter(m -> !Double.isNaN(m.memory("anon_added"))).ifPresent(m -> out.add(new Target(w,
                    "worker Anonymous growth, " + m.label(), m.memory("anon_added"), " MiB", true, 50)));
        }
        results.stream().filter(shm4jProcesses()).filter(m -> !Double.isNaN(m.setup(Measurement.POOL_START)))
                .max(Comparator.comparingDouble(m -> m.setup(Measurement.POOL_START)))
                .ifPresent(m -> out.add(new Target("all", "slowest shm4j pool start (" + m.workload() + ")",
                        m.setup(Measurement.POOL_START), " s", true, 1.0)));
        return out;
    }

    private List<String> variants(String workload) {
        return results.stream().filter(m -> m.workload().equals(workload) && m.language().equals("java")
                && m.strategy().equals("threads-heap")).map(Measurement::variant).distinct().toList();
    }

    private static Predicate<Measurement> shm4jProcesses() {
        return m -> m.language().equals("java") && m.strategy().equals("shm4j-processes")
                && !m.variant().contains("cold");
    }

    private static Predicate<Measurement> strategy(String language, String name) {
        return m -> m.language().equals(language) && m.strategy().equals(name);
    }

    private static Predicate<Measurement> python() {
        return m -> m.language().equals("python");
    }

    private Optional<Measurement> best(String workload, Predicate<Measurement> p) {
        return results.stream().filter(m -> m.workload().equals(workload) && m.ok() && p.test(m))
                .min(Comparator.comparingDouble(Measurement::median));
    }

    private static void ratio(List<Target> out, String w, String what, Optional<Measurement> a,
            Optional<Measurement> b, double limit) {
        ratio(out, w, what, a, b, limit, true);
    }

    private static void ratio(List<Target> out, String w, String what, Optional<Measurement> a,
            Optional<Measurement> b, double limit, boolean atMost) {
        if (a.isPresent() && b.isPresent()) {
            out.add(new Target(w, what + " (" + a.get().label() + " vs " + b.get().label() + ")",
                    a.get().median() / b.get().median(), "x", atMost, limit));
        }
    }
}
