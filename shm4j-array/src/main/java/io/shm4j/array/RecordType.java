package io.shm4j.array;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The type of a record array (a NumPy structured dtype, as {@code np.rec.fromarrays([dates,
 * floats, names])} makes): records of {@link #itemSize()} bytes, each holding the named
 * {@link #fields()} at fixed offsets, in the order of the {@code .npy} descriptor
 * {@code [('date', '<M8[ns]'), ('x', '<f8'), ('name', '<U5')]}. Padding entries
 * ({@code ('', '|V4')}, what NumPy writes for aligned records) are gaps, not fields.
 *
 * <p>Fields hold the {@link DType element types} (not records) or fixed-width text:
 * {@code S<n>} (n bytes, NUL-padded) and {@code U<n>} (n UTF-32 code points, NUL-padded).
 * Subarray fields, nested records, object fields and titles are refused with an
 * {@link UnsupportedDTypeException} naming the field. Immutable; thread-safe.
 *
 * @param fields the fields in descriptor order (offsets increasing)
 * @param itemSize bytes per record, padding included
 */
public record RecordType(List<Field> fields, int itemSize) {
    /** Largest record accepted (NumPy has no such limit; 1 MiB keeps a bad header from reserving absurd sizes). */
    public static final int MAX_ITEM_SIZE = 1 << 20;

    public RecordType {
        fields = List.copyOf(fields);
    }

    /**
     * One field of a record.
     *
     * @param name the field's name
     * @param offset bytes from the start of the record
     * @param dtype the element type, or {@code null} for text
     * @param text {@code 'S'} (bytes) or {@code 'U'} (UTF-32) for text fields, else 0
     * @param length characters of a text field, else 0
     * @param bigEndian whether the field's bytes are big-endian (only in files before {@code put} converts them)
     */
    public record Field(String name, long offset, DType dtype, char text, int length, boolean bigEndian) {
        /** Bytes the field takes in a record. */
        public int size() {
            return dtype != null ? dtype.itemSize() : text == 'U' ? 4 * length : length;
        }

        /** The field's {@code .npy} descriptor, as NumPy writes it: {@code '<f8'}, {@code '|S5'}, {@code '<U3'}. */
        public String descr() {
            if (dtype != null) {
                return bigEndian && dtype.itemSize() > 1 ? ">" + dtype.descr().substring(1) : dtype.descr();
            }
            return text == 'S' ? "|S" + length : (bigEndian ? ">U" : "<U") + length;
        }

        /** NumPy's name of the field type: {@code float64}, {@code S5}, {@code <U3}. */
        public String typeName() {
            return dtype != null ? dtype.numpyName() : text == 'S' ? "S" + length : "<U" + length;
        }
    }

    /** The field called {@code name}. */
    public Field field(String name) {
        for (Field f : fields) {
            if (f.name.equals(name)) {
                return f;
            }
        }
        throw new UnsupportedDTypeException("no such field: field=" + name + ", fields=" + names());
    }

    /** The field names in order. */
    public List<String> names() {
        return fields.stream().map(Field::name).toList();
    }

    /** Whether any field is big-endian. */
    public boolean hasBigEndian() {
        return fields.stream().anyMatch(f -> f.bigEndian && (f.dtype == null ? f.text == 'U' : f.dtype.itemSize() > 1));
    }

    /** The same type with every field little-endian (what {@code put} converts to). */
    public RecordType littleEndian() {
        List<Field> out = new ArrayList<>();
        for (Field f : fields) {
            out.add(new Field(f.name, f.offset, f.dtype, f.text, f.length, false));
        }
        return new RecordType(out, itemSize);
    }

    /**
     * The descriptor as NumPy's {@code repr} writes it in a header, padding entries included:
     * {@code [('date', '<M8[ns]'), ('x', '<f8'), ('name', '<U5')]}.
     */
    public String descrLiteral() {
        StringBuilder sb = new StringBuilder("[");
        long at = 0;
        for (Field f : fields) {
            if (f.offset > at) {
                sep(sb).append("('', '|V").append(f.offset - at).append("')");
            }
            sep(sb).append("(").append(pyString(f.name)).append(", '").append(f.descr()).append("')");
            at = f.offset + f.size();
        }
        if (itemSize > at) {
            sep(sb).append("('', '|V").append(itemSize - at).append("')");
        }
        return sb.append(']').toString();
    }

    /** {@code name: type} pairs for humans: {@code {date: datetime64[ns], x: float64, name: <U5}}. */
    public String describe() {
        StringBuilder sb = new StringBuilder("{");
        for (Field f : fields) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(f.name).append(": ").append(f.typeName());
        }
        return sb.append('}').toString();
    }

    private static StringBuilder sep(StringBuilder sb) {
        return sb.length() > 1 ? sb.append(", ") : sb;
    }

    /** A parsed descriptor as Python writes it: lists of (name, descr) tuples, strings quoted. */
    private static String pyRepr(Object o, boolean list) {
        if (o instanceof List<?> l) {
            StringBuilder sb = new StringBuilder(list ? "[" : "(");
            for (Object e : l) {
                sb.append(sb.length() > 1 ? ", " : "").append(pyRepr(e, false));
            }
            return sb.append(list ? ']' : ')').toString();
        }
        return o instanceof String str ? pyString(str) : String.valueOf(o);
    }

    private static String pyString(String s) {
        return s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' + s + '"' : "'" + s + "'";
    }

    /**
     * The record type a parsed {@code .npy} descriptor list describes.
     *
     * @param entries the list's items: each a list (Python tuple) of a name and a descriptor
     *     string, and optionally a shape
     * @throws UnsupportedDTypeException for what shm4j does not hold, naming the field
     * @throws NpyFormatException for a malformed list
     */
    static RecordType parse(List<?> entries, String header) {
        List<Field> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        long at = 0;
        for (Object e : entries) {
            if (!(e instanceof List<?> t) || t.size() < 2) {
                throw new NpyFormatException("bad structured descr entry in .npy header: entry=" + NpyLayout.quoteText(String.valueOf(e))
                        + "; expected (name, descr)");
            }
            if (!(t.get(0) instanceof String name)) {
                throw new UnsupportedDTypeException("record fields with titles are not supported: entry="
                        + NpyLayout.quoteText(String.valueOf(t.get(0))) + "; rename the fields without titles");
            }
            if (!(t.get(1) instanceof String d)) {
                throw new UnsupportedDTypeException("nested records are not supported: field=" + NpyLayout.quoteText(name)
                        + ", dtype=" + NpyLayout.quoteText(pyRepr(t.get(1), true))
                        + "; flatten them first (numpy.lib.recfunctions.flatten_descr / repack_fields)");
            }
            if (t.size() > 2) {
                throw new UnsupportedDTypeException("subarray fields are not supported: field=" + NpyLayout.quoteText(name)
                        + ", descr=" + NpyLayout.quoteText(d) + ", shape=" + t.get(2)
                        + "; give each element its own field, or save the field as its own array");
            }
            Field f = field(name, d);
            if (f == null) { // padding
                at = Math.addExact(at, padding(d, header));
                continue;
            }
            if (name.isEmpty() || !names.add(name)) {
                throw new NpyFormatException("bad record field name in .npy header: field=" + NpyLayout.quoteText(name)
                        + "; names must be unique and non-empty");
            }
            for (int k = 0; k < name.length(); k++) {
                char c = name.charAt(k);
                if (c < 0x20 || c == 0x7f || c == '\\' || (c == '\'' && name.indexOf('"') >= 0)) {
                    throw new UnsupportedDTypeException("record field name with control characters, backslashes or"
                            + " both quote kinds: field=" + NpyLayout.quoteText(name) + "; rename the field");
                }
            }
            out.add(new Field(name, at, f.dtype, f.text, f.length, f.bigEndian));
            at = Math.addExact(at, f.size());
            if (at > MAX_ITEM_SIZE) {
                break;
            }
        }
        if (at > MAX_ITEM_SIZE || at == 0) {
            throw new UnsupportedDTypeException("unsupported record size: itemSize=" + at + ", max=" + MAX_ITEM_SIZE
                    + (at == 0 ? "; a record type needs at least one field of non-zero size" : ""));
        }
        if (out.isEmpty()) {
            throw new UnsupportedDTypeException("record type without fields: header=" + NpyLayout.quoteText(header));
        }
        return new RecordType(out, (int) at);
    }

    /** A field of the given descriptor at offset 0, or null for padding ({@code ''} and {@code |Vn}). */
    private static Field field(String name, String d) {
        char order = d.isEmpty() ? '?' : d.charAt(0);
        String body = (order == '<' || order == '>' || order == '|' || order == '=') ? d.substring(1) : d;
        boolean big = order == '>';
        if (name.isEmpty() && body.startsWith("V")) {
            return null;
        }
        if (body.startsWith("S") || body.startsWith("U")) {
            int n = textLength(name, d, body.substring(1));
            return new Field(name, 0, null, body.charAt(0), n, big && body.charAt(0) == 'U');
        }
        if (body.startsWith("O")) {
            throw new UnsupportedDTypeException("object fields are not supported: field=" + NpyLayout.quoteText(name)
                    + ", descr=" + NpyLayout.quoteText(d) + "; object fields hold Python pointers, convert the field"
                    + " to a numeric or fixed-width string type first");
        }
        DType t = DType.ofBody(body);
        if (t == null) {
            throw new UnsupportedDTypeException("unsupported record field type: field=" + NpyLayout.quoteText(name)
                    + ", descr=" + NpyLayout.quoteText(d) + "; fields may be numbers, bool, datetime64, timedelta64,"
                    + " complex, float16 or fixed-width S/U strings");
        }
        return new Field(name, 0, t, (char) 0, 0, big && t.itemSize() > 1);
    }

    private static int textLength(String name, String d, String digits) {
        try {
            int n = Integer.parseInt(digits);
            if (n >= 0 && n <= MAX_ITEM_SIZE / 4 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new UnsupportedDTypeException("bad string field length: field=" + NpyLayout.quoteText(name) + ", descr="
                + NpyLayout.quoteText(d));
    }

    private static long padding(String d, String header) {
        String digits = d.substring(d.indexOf('V') + 1);
        try {
            long n = Long.parseLong(digits);
            if (n >= 0 && n <= MAX_ITEM_SIZE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new NpyFormatException("bad padding in a structured descr: descr=" + NpyLayout.quoteText(d) + ", header="
                + NpyLayout.quoteText(header));
    }
}
