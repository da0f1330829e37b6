package io.shm4j.cli;

/** Text from names and files made safe for a terminal line. */
final class Text {
    private static final int MAX_LINE = 2000;

    private Text() {}

    /** Control characters escaped ({@code \\n}, {@code \\xNN}), cut to a sane length: one line. */
    static String oneLine(String s) {
        String e = escape(s);
        return e.length() > MAX_LINE ? e.substring(0, MAX_LINE) + "... (" + e.length() + " chars)" : e;
    }

    /** A name as {@code ls} shows it: control characters and backslashes escaped, nothing else changed. */
    static String escape(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
                    : c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029
                            ? String.format("\\x%02x", (int) c) : null;
            if (r != null && sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (sb != null) {
                if (r != null) {
                    sb.append(r);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }
}
