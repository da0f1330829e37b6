package io.shm4j.bench;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * Writes the results of a benchmark run: a table on the terminal (per workload, fastest
 * first, each median also as a ratio to the reference strategy), {@code results.csv},
 * {@code results.json}, and one PNG bar chart per workload; then the targets of issues 5 and 6
 * ({@link Targets}) and notes (strategies skipped, Python missing).
 *
 * <p>Not thread-safe; used once at the end of a run.
 */
public final class Report {
    private final List<Measurement> results;
    private final Map<String, String> machine;
    private final List<String> notes;

    public Report(List<Measurement> results, Map<String, String> machine) {
        this(results, machine, List.of());
    }

    public Report(List<Measurement> results, Map<String, String> machine, List<String> notes) {
        this.results = List.copyOf(results);
        this.machine = new LinkedHashMap<>(machine);
        this.notes = List.copyOf(notes);
    }

    /** Every result, in the order measured. */
    public List<Measurement> results() {
        return results;
    }

    /** Results of one workload, fastest first. */
    public List<Measurement> of(String workload) {
        List<Measurement> out = new ArrayList<>();
        for (Measurement m : results) {
            if (m.workload().equals(workload)) {
                out.add(m);
            }
        }
        out.sort(Comparator.comparingDouble(Measurement::median));
        return out;
    }

    private Map<String, List<Measurement>> byWorkload() {
        Map<String, List<Measurement>> map = new TreeMap<>();
        for (Measurement m : results) {
            map.computeIfAbsent(m.workload(), k -> new ArrayList<>());
        }
        map.replaceAll((k, v) -> of(k));
        return map;
    }

    /** The reference a workload's ratios are given against: the fastest shm4j strategy. */
    static Measurement reference(List<Measurement> rows) {
        return rows.stream().filter(m -> m.language().equals("java") && m.family().equals("shared") && m.ok()
                && !m.variant().contains("cold"))
                .min(Comparator.comparingDouble(Measurement::median)).orElse(rows.get(0));
    }

    /** Prints the table, the targets and the notes. */
    public void print(PrintStream out) {
        java.io.PrintWriter w = new java.io.PrintWriter(out, true);
        print(w);
        w.flush();
    }

    /** Prints the table, the targets and the notes. */
    public void print(java.io.PrintWriter out) {
        out.println("machine: " + machine);
        for (Map.Entry<String, List<Measurement>> e : byWorkload().entrySet()) {
            List<Measurement> rows = e.getValue();
            Measurement ref = reference(rows);
            out.printf(Locale.ROOT, "%nworkload %s (ratio = median / %s; pool = pool start, data = data + put,"
                    + " set up once; +anon/pss = per-worker memory growth/after, MiB)%n", e.getKey(), ref.label());
            out.printf(Locale.ROOT, "  %-58s %9s %9s %9s %8s %7s %7s %7s %7s  %s%n", "strategy", "median s", "min s",
                    "max s", "ratio", "pool s", "data s", "+anon", "pss", "check");
            double rayInit = Double.NaN;
            for (Measurement m : rows) {
                out.printf(Locale.ROOT, "  %-58s %9.4f %9.4f %9.4f %7.2fx %7s %7s %7s %7s  %s%n", m.label(), m.median(),
                        m.seconds().min(), m.seconds().max(), m.median() / ref.median(),
                        fixed(m.setup(Measurement.POOL_START), 2),
                        fixed(sum(m.setup(Measurement.DATA), m.setup(Measurement.PUT)), 2),
                        fixed(m.memory("anon_added"), 0), fixed(m.memory("pss"), 0), m.check());
                if (!Double.isNaN(m.setup(Measurement.RAY_INIT))) {
                    rayInit = m.setup(Measurement.RAY_INIT);
                }
            }
            if (!Double.isNaN(rayInit)) {
                out.printf(Locale.ROOT, "  (python ray.init: %.2f s, once, not in the times above)%n", rayInit);
            }
        }
        List<Target> targets = new Targets(results).evaluate();
        if (!targets.isEmpty()) {
            out.printf(Locale.ROOT, "%ntargets (issues 5 and 6):%n");
            for (Target t : targets) {
                out.println("  " + t.describe());
            }
        }
        for (String note : notes) {
            out.println("note: " + note);
        }
    }

    private static double sum(double a, double b) {
        if (Double.isNaN(a)) {
            return b;
        }
        return Double.isNaN(b) ? a : a + b;
    }

    private static String fixed(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    /** Writes results.csv, results.json and one chart per workload into {@code dir}. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        StringBuilder csv = new StringBuilder("workload,language,strategy,variant,family,median_s,min_s,max_s,runs,"
                + "ratio,pool_start_s,data_s,put_s,ray_init_s,anon_added_mib,rss_added_mib,pss_added_mib,"
                + "anon_mib,rss_mib,pss_mib,check\n");
        List<Map<String, Object>> json = new ArrayList<>();
        for (Map.Entry<String, List<Measurement>> e : byWorkload().entrySet()) {
            Measurement ref = reference(e.getValue());
            for (Measurement m : e.getValue()) {
                double ratio = m.median() / ref.median();
                List<String> cells = new ArrayList<>(List.of(m.workload(), m.language(), m.strategy(),
                        quote(m.variant()), m.family(), num(m.median()), num(m.seconds().min()),
                        num(m.seconds().max()), Integer.toString(m.seconds().count()), num(ratio)));
                for (String k : List.of(Measurement.POOL_START, Measurement.DATA, Measurement.PUT,
                        Measurement.RAY_INIT)) {
                    cells.add(num(m.setup(k)));
                }
                for (String k : List.of("anon_added", "rss_added", "pss_added", "anon", "rss", "pss")) {
                    cells.add(num(m.memory(k)));
                }
                cells.add(quote(m.check()));
                csv.append(String.join(",", cells)).append('\n');
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("workload", m.workload());
                o.put("language", m.language());
                o.put("strategy", m.strategy());
                o.put("variant", m.variant());
                o.put("family", m.family());
                o.put("median_s", m.median());
                o.put("min_s", m.seconds().min());
                o.put("max_s", m.seconds().max());
                o.put("runs", m.seconds().count());
                o.put("times_s", m.seconds().values());
                o.put("ratio", ratio);
                o.put("setup", m.setup());
                o.put("memory_mib", m.memoryMiB());
                o.put("check", m.check());
                json.add(o);
            }
            written.add(chart(e.getKey(), e.getValue(), dir));
        }
        Path csvFile = dir.resolve("results.csv");
        Files.writeString(csvFile, csv);
        Path jsonFile = dir.resolve("results.json");
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", "shm4j.bench/1");
        doc.put("machine", machine);
        doc.put("results", json);
        List<Map<String, Object>> targets = new ArrayList<>();
        for (Target t : new Targets(results).evaluate()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("workload", t.workload());
            o.put("what", t.what());
            o.put("value", t.value());
            o.put("unit", t.unit().strip());
            o.put("limit", (t.atMost() ? "<= " : ">= ") + t.limit());
            o.put("met", t.met());
            targets.add(o);
        }
        doc.put("targets", targets);
        doc.put("notes", notes);
        Files.writeString(jsonFile, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
                .create().toJson(doc));
        written.add(0, jsonFile);
        written.add(0, csvFile);
        return written;
    }

    private Path chart(String workload, List<Measurement> rows, Path dir) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1200).height(Math.max(600, 260 + 24 * rows.size()))
                .title("Workload " + workload + ": median time (s), lower is better; whiskers min..max; "
                        + machine.getOrDefault("cpus", "?") + " cpus")
                .xAxisTitle("").yAxisTitle("seconds").build();
        chart.getStyler().setLegendVisible(true);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(14f));
        chart.getStyler().setXAxisLabelRotation(40);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setErrorBarsColor(java.awt.Color.DARK_GRAY);
        chart.getStyler().setLabelsVisible(false);
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        List<String> labels = new ArrayList<>();
        for (Measurement m : rows) {
            labels.add(m.label());
        }
        // One series per family so colours tell shared, copied and baseline apart; a bar is
        // zero in the series it does not belong to (bars overlap, so nothing shifts).
        for (String family : List.of("shared", "copied", "baseline")) {
            List<Double> medians = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            boolean any = false;
            for (Measurement m : rows) {
                boolean mine = m.family().equals(family);
                any |= mine;
                medians.add(mine ? m.median() : 0.0);
                errors.add(mine ? Math.max(m.median() - m.seconds().min(), m.seconds().max() - m.median()) : 0.0);
            }
            if (any) {
                chart.addSeries(family, labels, medians, errors);
            }
        }
        Path file = dir.resolve("workload-" + workload + ".png");
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
