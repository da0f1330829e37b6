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
 * {@code results.json}, and one PNG bar chart per workload.
 *
 * <p>Not thread-safe; used once at the end of a run.
 */
public final class Report {
    private final List<Measurement> results;
    private final Map<String, String> machine;

    public Report(List<Measurement> results, Map<String, String> machine) {
        this.results = List.copyOf(results);
        this.machine = new LinkedHashMap<>(machine);
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
        return rows.stream().filter(m -> m.language().equals("java") && m.family().equals("shared") && m.ok())
                .min(Comparator.comparingDouble(Measurement::median)).orElse(rows.get(0));
    }

    /** Prints the table. */
    public void print(PrintStream out) {
        out.println("machine: " + machine);
        for (Map.Entry<String, List<Measurement>> e : byWorkload().entrySet()) {
            List<Measurement> rows = e.getValue();
            Measurement ref = reference(rows);
            out.printf(Locale.ROOT, "%nworkload %s (ratio = median / %s)%n", e.getKey(), ref.label());
            out.printf(Locale.ROOT, "  %-52s %9s %9s %9s %7s %9s %10s  %s%n", "strategy", "median s", "min s",
                    "max s", "ratio", "setup s", "mem MiB", "check");
            for (Measurement m : rows) {
                out.printf(Locale.ROOT, "  %-52s %9.3f %9.3f %9.3f %6.2fx %9s %10s  %s%n", m.label(), m.median(),
                        m.seconds().min(), m.seconds().max(), m.median() / ref.median(),
                        Double.isNaN(m.setupSeconds()) ? "-" : String.format(Locale.ROOT, "%.3f", m.setupSeconds()),
                        memory(m), m.check());
            }
        }
    }

    private static String memory(Measurement m) {
        Double anon = m.memoryMiB().get("anon");
        return anon == null ? "-" : String.format(Locale.ROOT, "%.0f", anon);
    }

    /** Writes results.csv, results.json and one chart per workload into {@code dir}. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        StringBuilder csv = new StringBuilder(
                "workload,language,strategy,variant,family,median_s,min_s,max_s,runs,setup_s,ratio,anon_mib,rss_mib,pss_mib,check\n");
        List<Map<String, Object>> json = new ArrayList<>();
        for (Map.Entry<String, List<Measurement>> e : byWorkload().entrySet()) {
            Measurement ref = reference(e.getValue());
            for (Measurement m : e.getValue()) {
                double ratio = m.median() / ref.median();
                csv.append(String.join(",", m.workload(), m.language(), m.strategy(), quote(m.variant()),
                        m.family(), num(m.median()), num(m.seconds().min()), num(m.seconds().max()),
                        Integer.toString(m.seconds().count()), num(m.setupSeconds()), num(ratio),
                        num(m.memoryMiB().getOrDefault("anon", Double.NaN)),
                        num(m.memoryMiB().getOrDefault("rss", Double.NaN)),
                        num(m.memoryMiB().getOrDefault("pss", Double.NaN)), quote(m.check()))).append('\n');
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
                o.put("setup_s", Double.isNaN(m.setupSeconds()) ? null : m.setupSeconds());
                o.put("ratio", ratio);
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
        doc.put("machine", machine);
        doc.put("results", json);
        Files.writeString(jsonFile, new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
                .create().toJson(doc));
        written.add(0, jsonFile);
        written.add(0, csvFile);
        return written;
    }

    private Path chart(String workload, List<Measurement> rows, Path dir) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1100).height(Math.max(560, 200 + 30 * rows.size()))
                .title("Workload " + workload + ": median time (s), lower is better; whiskers min..max")
                .xAxisTitle("").yAxisTitle("seconds").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartTitleFont(chart.getStyler().getChartTitleFont().deriveFont(14f));
        chart.getStyler().setXAxisLabelRotation(35);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setErrorBarsColor(java.awt.Color.DARK_GRAY);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFont(chart.getStyler().getLabelsFont().deriveFont(10f));
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        List<String> labels = new ArrayList<>();
        List<Double> medians = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        for (Measurement m : rows) {
            labels.add(m.label());
            medians.add(m.median());
            errors.add(Math.max(m.median() - m.seconds().min(), m.seconds().max() - m.median()));
        }
        chart.addSeries("median", labels, medians, errors);
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
