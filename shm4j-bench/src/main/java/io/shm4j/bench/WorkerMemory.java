package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory of a process from {@code /proc/PID/smaps_rollup}: Rss, Pss (a page mapped by k
 * processes counts 1/k) and Anonymous (private memory: heap, stacks, copies; shared segment
 * pages are never anonymous), in MiB. The caller reads the workers' files, so nothing runs in
 * the workers.
 *
 * @param rss resident set, MiB
 * @param pss proportional set, MiB
 * @param anon anonymous memory, MiB
 */
public record WorkerMemory(double rss, double pss, double anon) {

    /** Reads a process's figures; empty figures (NaN) if it is gone or the file unreadable. */
    public static WorkerMemory of(long pid) {
        try {
            return parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup")));
        } catch (IOException | RuntimeException e) {
            return new WorkerMemory(Double.NaN, Double.NaN, Double.NaN);
        }
    }

    static WorkerMemory parse(List<String> lines) {
        double rss = Double.NaN;
        double pss = Double.NaN;
        double anon = Double.NaN;
        for (String l : lines) {
            String[] f = l.trim().split("\\s+");
            if (f.length < 2) {
                continue;
            }
            switch (f[0]) {
                case "Rss:" -> rss = Long.parseLong(f[1]) / 1024.0;
                case "Pss:" -> pss = Long.parseLong(f[1]) / 1024.0;
                case "Anonymous:" -> anon = Long.parseLong(f[1]) / 1024.0;
                default -> { }
            }
        }
        return new WorkerMemory(rss, pss, anon);
    }

    /** Reads every pid's figures, in order. */
    public static List<WorkerMemory> of(List<Long> pids) {
        List<WorkerMemory> out = new ArrayList<>();
        for (long pid : pids) {
            out.add(of(pid));
        }
        return out;
    }

    /**
     * The figures the report keeps: the largest over the workers after the runs, and the
     * largest growth of one worker between {@code before} and {@code after} (same pid order).
     */
    public static Map<String, Double> summary(List<WorkerMemory> before, List<WorkerMemory> after) {
        Map<String, Double> out = new LinkedHashMap<>();
        double anon = Double.NaN;
        double rss = Double.NaN;
        double pss = Double.NaN;
        double dAnon = Double.NaN;
        double dRss = Double.NaN;
        double dPss = Double.NaN;
        for (int i = 0; i < after.size(); i++) {
            WorkerMemory a = after.get(i);
            anon = max(anon, a.anon);
            rss = max(rss, a.rss);
            pss = max(pss, a.pss);
            if (i < before.size()) {
                WorkerMemory b = before.get(i);
                dAnon = max(dAnon, a.anon - b.anon);
                dRss = max(dRss, a.rss - b.rss);
                dPss = max(dPss, a.pss - b.pss);
            }
        }
        put(out, "anon_added", dAnon);
        put(out, "rss_added", dRss);
        put(out, "pss_added", dPss);
        put(out, "anon", anon);
        put(out, "rss", rss);
        put(out, "pss", pss);
        return out;
    }

    private static double max(double a, double b) {
        if (Double.isNaN(a)) {
            return b;
        }
        return Double.isNaN(b) ? a : Math.max(a, b);
    }

    private static void put(Map<String, Double> m, String k, double v) {
        if (!Double.isNaN(v)) {
            m.put(k, Math.round(v * 10) / 10.0);
        }
    }
}
