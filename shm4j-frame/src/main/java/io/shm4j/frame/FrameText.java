package io.shm4j.frame;

import java.util.ArrayList;
import java.util.List;

/** Text renderings of a frame: {@code head()} tables and schema descriptions. Stateless. */
final class FrameText {
    /** Columns shown before eliding the middle ones. */
    private static final int MAX_COLUMNS = 20;
    /** Characters of a cell shown before eliding. */
    private static final int MAX_CELL = 30;

    private FrameText() {}

    static String head(FrameView f, int n) {
        long shown = Math.max(0, Math.min(n, f.rowCount()));
        List<Column> cols = f.columns();
        List<Integer> picked = new ArrayList<>();
        boolean elided = cols.size() > MAX_COLUMNS;
        for (int i = 0; i < cols.size(); i++) {
            if (!elided || i < MAX_COLUMNS / 2 || i >= cols.size() - MAX_COLUMNS / 2) {
                picked.add(i);
            }
        }
        List<String[]> table = new ArrayList<>();
        List<String> header = new ArrayList<>();
        String indexName = f.index().name();
        header.add(indexName == null ? "" : indexName);
        for (int i : picked) {
            if (elided && i == cols.size() - MAX_COLUMNS / 2) {
                header.add("...");
            }
            header.add(cols.get(i).name());
        }
        table.add(header.toArray(String[]::new));
        for (long r = 0; r < shown; r++) {
            List<String> row = new ArrayList<>();
            row.add(f.index().format(r));
            for (int i : picked) {
                if (elided && i == cols.size() - MAX_COLUMNS / 2) {
                    row.add("...");
                }
                Column c = cols.get(i);
                row.add(c.isNull(r) ? "null" : cell(c.format(r)));
            }
            table.add(row.toArray(String[]::new));
        }
        int[] width = new int[header.size()];
        for (String[] row : table) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] row : table) {
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    b.append("  ");
                }
                b.append(" ".repeat(width[i] - row[i].length())).append(row[i]);
            }
            b.append('\n');
        }
        b.append('[').append(f.rowCount()).append(" rows x ").append(cols.size()).append(" columns]\n");
        return b.toString();
    }

    private static String cell(String s) {
        String t = s.replace('\n', ' ').replace('\r', ' ');
        return t.length() > MAX_CELL ? t.substring(0, MAX_CELL - 3) + "..." : t;
    }

    static String schema(FrameView f) {
        StringBuilder b = new StringBuilder();
        int w = 1;
        for (Column c : f.columns()) {
            w = Math.max(w, c.name().length());
        }
        for (Column c : f.index().columns()) {
            w = Math.max(w, c.name().length());
        }
        for (Column c : f.columns()) {
            line(b, c, w, "");
        }
        if (f.index().isRange()) {
            b.append("index: ").append(f.index()).append('\n');
        } else {
            for (Column c : f.index().columns()) {
                line(b, c, w, "  (index)");
            }
        }
        b.append("rows: ").append(f.rowCount()).append(", columns: ").append(f.columnCount()).append('\n');
        return b.toString();
    }

    private static void line(StringBuilder b, Column c, int w, String suffix) {
        b.append(c.name()).append(" ".repeat(w - c.name().length())).append("  ").append(c.arrowType());
        long nulls = c.nullCount();
        if (nulls > 0) {
            b.append("  nulls=").append(nulls);
        }
        b.append(suffix).append('\n');
    }
}
