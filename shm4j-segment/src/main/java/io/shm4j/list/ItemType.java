package io.shm4j.list;

/**
 * The type of one item of a {@link SharedList}, as CPython's {@code ShareableList} records it:
 * a {@code struct} format of at most 8 characters plus a back-transform code.
 *
 * <table class="striped">
 *   <caption>Types, their Java values and their encoding in the item's slot</caption>
 *   <thead><tr><th>type</th><th>Python</th><th>Java value</th><th>format</th><th>code</th><th>bytes in the slot</th></tr></thead>
 *   <tbody>
 *   <tr><td>INT</td><td>int</td><td>{@code Long}</td><td>{@code q}</td><td>0</td><td>int64, native order</td></tr>
 *   <tr><td>FLOAT</td><td>float</td><td>{@code Double}</td><td>{@code d}</td><td>0</td><td>float64, native order</td></tr>
 *   <tr><td>BOOL</td><td>bool</td><td>{@code Boolean}</td><td>{@code xxxxxxx?}</td><td>0</td><td>byte 7: 0 or 1</td></tr>
 *   <tr><td>STR</td><td>str</td><td>{@code String}</td><td>{@code <k>s}</td><td>1</td><td>UTF-8, NUL-padded to k</td></tr>
 *   <tr><td>BYTES</td><td>bytes</td><td>{@code byte[]}</td><td>{@code <k>s}</td><td>2</td><td>bytes, NUL-padded to k</td></tr>
 *   <tr><td>NONE</td><td>None</td><td>{@code null}</td><td>{@code xxxxxx?x}</td><td>3</td><td>byte 6: 0</td></tr>
 *   </tbody>
 * </table>
 */
public enum ItemType {
    /** A 64-bit signed integer (Python {@code int} within int64). */
    INT("q", 0),
    /** A 64-bit float (Python {@code float}). */
    FLOAT("d", 0),
    /** A boolean (Python {@code bool}). */
    BOOL("xxxxxxx?", 0),
    /** A string, UTF-8 encoded; trailing NUL characters are not representable. */
    STR(null, 1),
    /** A byte string; trailing zero bytes are not representable. */
    BYTES(null, 2),
    /** Python's {@code None}, Java's {@code null}. */
    NONE("xxxxxx?x", 3);

    private final String fixedFormat;
    private final int code;

    ItemType(String fixedFormat, int code) {
        this.fixedFormat = fixedFormat;
        this.code = code;
    }

    /** The back-transform code CPython stores for this type. */
    int code() {
        return code;
    }

    /** The struct format of a value of this type in a slot of {@code slotBytes}. */
    String format(int slotBytes) {
        return fixedFormat != null ? fixedFormat : slotBytes + "s";
    }

    /** Whether values of this type are byte strings stored NUL-padded in the whole slot. */
    boolean isVariable() {
        return fixedFormat == null;
    }

    /** The type a format and code describe, or null if they are not one CPython writes. */
    static ItemType of(String format, int code) {
        return switch (code) {
            case 0 -> switch (format) {
                case "q" -> INT;
                case "d" -> FLOAT;
                case "xxxxxxx?" -> BOOL;
                default -> null;
            };
            case 1 -> isStringFormat(format) ? STR : null;
            case 2 -> isStringFormat(format) ? BYTES : null;
            case 3 -> "xxxxxx?x".equals(format) ? NONE : null;
            default -> null;
        };
    }

    private static boolean isStringFormat(String format) {
        if (format.length() < 2 || format.charAt(format.length() - 1) != 's') {
            return false;
        }
        for (int i = 0; i < format.length() - 1; i++) {
            char c = format.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The {@code k} of a {@code <k>s} format. */
    static int stringFormatLength(String format) {
        return Integer.parseInt(format, 0, format.length() - 1, 10);
    }
}
