package io.shm4j.array;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code .npy} file format (NumPy's {@code numpy.lib.format}, versions 1.0, 2.0 and 3.0),
 * which is also the byte layout of every array segment.
 *
 * <pre>
 * offset      size   field
 * 0           6      magic: \x93 'N' 'U' 'M' 'P' 'Y'
 * 6           1      major version: 1, 2 or 3
 * 7           1      minor version: 0
 * 8           2      HEADER_LEN, little-endian uint16        (version 1)
 * 8           4      HEADER_LEN, little-endian uint32        (versions 2 and 3)
 * 10 | 12     HL     header: a Python dict literal, latin-1 (v1, v2) or UTF-8 (v3)
 *                      {'descr': '&lt;f8', 'fortran_order': False, 'shape': (2, 3), }
 *                    then spaces, then '\n', so that the data starts 64-byte aligned
 * D                  data: prod(shape) * itemsize bytes, little-endian, C order
 *                    (Fortran order if fortran_order is True); D = 10 | 12 + HL
 *
 *  +--------+--+--+----+------------------------------------------+---+------------------+
 *  | \x93NUMPY|1 |0 | HL | {'descr': ..., 'shape': (...), }   ...  |\n | data ...         |
 *  +--------+--+--+----+------------------------------------------+---+------------------+
 *  0        6  7  8    10                                          D-1  D (D % 64 == 0)
 * </pre>
 *
 * <p>{@link #encode} writes the header exactly as NumPy's {@code np.save} does (sorted keys,
 * the 21-digit growth space after the dict, space padding, version 1.0 unless the header needs
 * 2.0), so a shm4j segment is byte-identical to the file NumPy would write for the same array.
 * {@link #decode} accepts every header NumPy writes for the {@link DType types shm4j holds} and
 * rejects everything else with a typed exception ({@link NpyFormatException},
 * {@link UnsupportedDTypeException}).
 *
 * <p>Stateless and thread-safe.
 */
public final class NpyLayout {
    /** The six magic bytes. */
    public static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Offset of the major version byte. */
    public static final int MAJOR_VERSION_OFFSET = 6;
    /** Offset of the minor version byte. */
    public static final int MINOR_VERSION_OFFSET = 7;
    /** Offset of HEADER_LEN. */
    public static final int HEADER_LEN_OFFSET = 8;
    /** Data alignment NumPy uses ({@code numpy.lib.format.ARRAY_ALIGN}). */
    public static final int ALIGNMENT = 64;
    /** Spare digits NumPy leaves after the dict so a file can grow along its first axis in place. */
    public static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /** Most dimensions an array may have (NumPy 1.x's limit; NumPy 2 allows 64). */
    public static final int MAX_DIMS = 32;
    /** Longest header accepted when reading (NumPy's own default limit is 10,000 characters). */
    public static final int MAX_HEADER_LEN = 1 << 20;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private NpyLayout() {}

    // ------------------------------------------------------------------ writing

    /**
     * The header bytes NumPy's {@code np.save} writes for an array of this type, shape and
     * order: magic, version, HEADER_LEN and the padded dict. Its length is a multiple of
     * {@link #ALIGNMENT}: the data follows directly.
     */
    public static byte[] encode(DType dtype, long[] shape, boolean fortranOrder) {
        if (dtype == DType.RECORD) {
            throw new UnsupportedDTypeException("a record array needs its record type: use encode(RecordType, shape, fortranOrder)");
        }
        return encode("'" + dtype.descr() + "'", dtype.itemSize(), dtype.toString(), shape, fortranOrder);
    }

    /** The header NumPy's {@code np.save} writes for a record array of this type, shape and order. */
    public static byte[] encode(RecordType record, long[] shape, boolean fortranOrder) {
        return encode(record.descrLiteral(), record.itemSize(), "record", shape, fortranOrder);
    }

    private static byte[] encode(String descrLiteral, int itemSize, String typeName, long[] shape, boolean fortranOrder) {
        checkShape(shape);
        if (!numpyCanHold(itemSize, shape)) {
            throw new ShapeException("shape too large for NumPy: shape=" + shapeString(shape) + ", dtype=" + typeName
                    + "; NumPy refuses arrays whose non-zero dimensions times the item size exceed 2**63-1 bytes");
        }
        StringBuilder dict = new StringBuilder(64 + shape.length * 22);
        dict.append("{'descr': ").append(descrLiteral).append(", 'fortran_order': ")
                .append(fortranOrder ? "True" : "False").append(", 'shape': ").append(shapeString(shape))
                .append(", }");
        if (shape.length > 0) {
            long growth = shape[fortranOrder ? shape.length - 1 : 0];
            dict.repeat(' ', GROWTH_AXIS_MAX_DIGITS - Long.toString(growth).length());
        }
        String str = dict.toString();
        boolean latin1 = str.chars().allMatch(c -> c < 0x100);
        byte[] text = str.getBytes(latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        int major = 1;
        int prefix = MAGIC.length + 2 + 2;
        int hlen = text.length + 1;
        int padded = hlen + (ALIGNMENT - (prefix + hlen) % ALIGNMENT);
        if (padded > 0xFFFF || !latin1) {
            major = latin1 ? 2 : 3; // NumPy writes 3.0 when field names need UTF-8
            prefix = MAGIC.length + 2 + 4;
            padded = hlen + (ALIGNMENT - (prefix + hlen) % ALIGNMENT);
        }
        byte[] out = new byte[prefix + padded];
        MemorySegment seg = MemorySegment.ofArray(out);
        MemorySegment.copy(MAGIC, 0, seg, ValueLayout.JAVA_BYTE, 0, MAGIC.length);
        out[MAJOR_VERSION_OFFSET] = (byte) major;
        out[MINOR_VERSION_OFFSET] = 0;
        if (major == 1) {
            seg.set(U16, HEADER_LEN_OFFSET, (short) padded);
        } else {
            seg.set(U32, HEADER_LEN_OFFSET, padded);
        }
        System.arraycopy(text, 0, out, prefix, text.length);
        java.util.Arrays.fill(out, prefix + text.length, out.length - 1, (byte) ' ');
        out[out.length - 1] = '\n';
        return out;
    }

    /** The file size of an array: header plus data. */
    public static long fileSize(DType dtype, long[] shape, boolean fortranOrder) {
        if (dtype == DType.RECORD) {
            throw new UnsupportedDTypeException("a record array needs its record type");
        }
        return encode(dtype, shape, fortranOrder).length
                + Math.multiplyExact(elementCount(shape), (long) dtype.itemSize());
    }

    // ------------------------------------------------------------------ reading

    /**
     * Reads and checks the header of a whole {@code .npy} file (or segment): the magic, the
     * version, the dict, and that the data fills the rest of the bytes exactly.
     *
     * @param file all bytes of the file
     * @throws NpyFormatException if the bytes are not a well-formed {@code .npy} file or the
     *     shape does not match their size
     * @throws UnsupportedDTypeException if the element type is not one shm4j holds
     */
    public static NpyHeader decode(MemorySegment file) {
        return decode(file, false);
    }

    /**
     * As {@link #decode(MemorySegment)}; with {@code allowBigEndian}, big-endian data is accepted
     * and the header says so ({@link NpyHeader#bigEndian()}), for a copy that converts it.
     */
    static NpyHeader decode(MemorySegment file, boolean allowBigEndian) {
        long size = file.byteSize();
        if (size < HEADER_LEN_OFFSET + 2) {
            throw new NpyFormatException("truncated .npy file: size=" + size
                    + " bytes, need at least 10 for magic, version and header length");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (file.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) {
                throw new NpyFormatException("not a .npy file: magic=" + hex(file, MAGIC.length)
                        + ", expected=934e554d5059 (\\x93NUMPY); is it an .npz archive or another format?");
            }
        }
        int major = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, MAJOR_VERSION_OFFSET));
        int minor = Byte.toUnsignedInt(file.get(ValueLayout.JAVA_BYTE, MINOR_VERSION_OFFSET));
        if (major < 1 || major > 3 || minor != 0) {
            throw new NpyFormatException("unsupported .npy format version: version=" + major + "." + minor
                    + "; supported: 1.0, 2.0, 3.0");
        }
        int prefix = major == 1 ? HEADER_LEN_OFFSET + 2 : HEADER_LEN_OFFSET + 4;
        if (size < prefix) {
            throw new NpyFormatException("truncated .npy file: size=" + size + " bytes, header length needs "
                    + prefix);
        }
        long hlen = major == 1 ? Short.toUnsignedLong(file.get(U16, HEADER_LEN_OFFSET))
                : Integer.toUnsignedLong(file.get(U32, HEADER_LEN_OFFSET));
        if (hlen > MAX_HEADER_LEN) {
            throw new NpyFormatException("implausible .npy header length: headerLen=" + hlen + ", max="
                    + MAX_HEADER_LEN);
        }
        long dataOffset = prefix + hlen;
        if (size < dataOffset) {
            throw new NpyFormatException("truncated .npy file: the header ends at offset=" + dataOffset
                    + " but size=" + size + " bytes");
        }
        byte[] raw = file.asSlice(prefix, hlen).toArray(ValueLayout.JAVA_BYTE);
        String text = new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = new DictParser(text).parse();
        if (!dict.keySet().equals(java.util.Set.of("descr", "fortran_order", "shape"))) {
            throw new NpyFormatException("bad .npy header keys: keys=" + quoteText(dict.keySet().toString())
                    + ", expected=[descr, fortran_order, shape]");
        }
        Object descr = dict.get("descr");
        RecordType record = null;
        boolean bigEndian = false;
        DType dtype;
        if (descr instanceof List<?> entries) {
            record = RecordType.parse(entries, text.trim());
            dtype = DType.RECORD;
            if (record.hasBigEndian()) {
                if (!allowBigEndian) {
                    throw new UnsupportedDTypeException("big-endian record fields are not read in place: descr="
                            + quoteText(record.descrLiteral()) + "; shm4j put (SharedArray.copyOf(options, path)) converts"
                            + " them to little-endian, or save a.astype(a.dtype.newbyteorder('<'))");
                }
                bigEndian = true;
            }
        } else if (!(descr instanceof String d)) {
            throw new NpyFormatException("bad descr in .npy header: descr=" + quoteText(String.valueOf(descr)));
        } else if (allowBigEndian && d.length() > 1 && d.charAt(0) == '>' && DType.ofBody(d.substring(1)) != null
                && DType.ofBody(d.substring(1)).itemSize() > 1) {
            dtype = DType.ofBody(d.substring(1));
            bigEndian = true;
        } else {
          try {
            dtype = DType.ofDescr(d);
          } catch (UnsupportedDTypeException e) {
            if (d.length() <= 40 && quoteText(d).equals("\"" + d + "\"")) {
                throw e; // plain text: DType's own message says what the type is
            }
            throw new UnsupportedDTypeException("unsupported .npy dtype: descr=" + quoteText(d)
                    + "; shm4j holds float64/32/16, complex64/128, int64/32/16/8, uint8/16/32/64, bool, datetime64,"
                    + " timedelta64 and records of these and S/U strings");
          }
        }
        int itemSize = record != null ? record.itemSize() : dtype.itemSize();
        String typeName = record != null ? "record" + record.describe() : dtype.toString();
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw new NpyFormatException("bad fortran_order in .npy header: fortran_order=" + dict.get("fortran_order"));
        }
        if (!(dict.get("shape") instanceof long[] shape)) {
            throw new NpyFormatException("bad shape in .npy header: shape=" + dict.get("shape"));
        }
        if (shape.length > MAX_DIMS) {
            throw new NpyFormatException("too many dimensions: ndim=" + shape.length + ", max=" + MAX_DIMS);
        }
        long count;
        long bytes;
        try {
            count = elementCount(shape);
            bytes = Math.multiplyExact(count, (long) itemSize);
            Math.addExact(bytes, dataOffset);
        } catch (ArithmeticException e) {
            throw new NpyFormatException("shape too large: shape=" + shapeString(shape) + ", dtype=" + typeName);
        }
        if (!numpyCanHold(itemSize, shape)) {
            throw new NpyFormatException("shape too large for NumPy: shape=" + shapeString(shape) + ", dtype=" + typeName
                    + "; numpy.load refuses arrays whose non-zero dimensions times the item size exceed 2**63-1 bytes");
        }
        int align = record != null ? 1 : dtype.kind() == DType.Kind.COMPLEX ? itemSize / 2 : itemSize;
        if (dataOffset % align != 0) {
            throw new NpyFormatException("misaligned .npy data: dataOffset=" + dataOffset + ", itemSize="
                    + itemSize + "; re-save the file with NumPy >= 1.9, which aligns data to 64 bytes");
        }
        long expected = dataOffset + bytes;
        if (size < expected) {
            throw new NpyFormatException("truncated .npy file: shape=" + shapeString(shape) + ", dtype=" + typeName
                    + " needs size=" + expected + " bytes, actual=" + size + " bytes");
        }
        if (size > expected) {
            throw new NpyFormatException("header shape does not match the file size: shape=" + shapeString(shape)
                    + ", dtype=" + typeName + ", expected=" + expected + " bytes, actual=" + size
                    + " bytes; the file is damaged or was appended to");
        }
        return new NpyHeader(major, minor, dtype, shape, fortran, dataOffset, record, bigEndian);
    }

    // ------------------------------------------------------------------ shapes

    /** Checks dimensions: at most {@link #MAX_DIMS}, none negative, the product fits a long. */
    public static void checkShape(long[] shape) {
        if (shape.length > MAX_DIMS) {
            throw new ShapeException("too many dimensions: ndim=" + shape.length + ", max=" + MAX_DIMS);
        }
        for (long d : shape) {
            if (d < 0) {
                throw new ShapeException("negative dimension: shape=" + shapeString(shape));
            }
        }
        try {
            elementCount(shape);
        } catch (ArithmeticException e) {
            throw new ShapeException("shape too large: shape=" + shapeString(shape));
        }
    }

    /**
     * Whether NumPy can create an array of this shape: it multiplies the non-zero dimensions and
     * the item size and refuses ("array is too big") when that exceeds {@code 2**63-1}, even when
     * another dimension is 0.
     */
    static boolean numpyCanHold(long itemSize, long[] shape) {
        try {
            long n = itemSize;
            for (long d : shape) {
                if (d != 0) {
                    n = Math.multiplyExact(n, d);
                }
            }
            return true;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    /**
     * Text taken from a file, for a message: quoted, control and non-ASCII characters escaped,
     * cut to 120 characters — a header can never break a message into lines or flood it.
     */
    static String quoteText(String s) {
        StringBuilder sb = new StringBuilder("\"");
        int n = Math.min(s.length(), 120);
        for (int k = 0; k < n; k++) {
            char c = s.charAt(k);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                sb.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(s.length() > n ? "...\" (" + s.length() + " chars)" : "\"").toString();
    }

    /** The product of the dimensions (1 for a 0-d shape). */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The shape as Python's {@code repr} of a tuple: {@code ()}, {@code (3,)}, {@code (2, 3)}. */
    public static String shapeString(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        return sb.append(')').toString();
    }

    private static String hex(MemorySegment s, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n && i < s.byteSize(); i++) {
            sb.append(String.format("%02x", s.get(ValueLayout.JAVA_BYTE, i)));
        }
        return sb.toString();
    }

    /**
     * A parser for the Python literal subset {@code .npy} headers use: a dict of string keys to
     * strings, {@code True}/{@code False}, tuples of non-negative integers (the shape), and a
     * structured dtype's descr: a list of tuples of strings, nested lists and shape tuples,
     * parsed as {@code List}s.
     */
    private static final class DictParser {
        private final String s;
        private int i;

        DictParser(String s) {
            this.s = s;
        }

        Map<String, Object> parse() {
            Map<String, Object> out = new LinkedHashMap<>();
            ws();
            expect('{');
            while (true) {
                ws();
                if (peek() == '}') {
                    i++;
                    break;
                }
                String key = string();
                ws();
                expect(':');
                ws();
                if (out.put(key, value()) != null) {
                    throw bad("duplicate key " + key);
                }
                ws();
                char c = next();
                if (c == '}') {
                    break;
                }
                if (c != ',') {
                    throw bad("expected ',' or '}'");
                }
            }
            ws();
            if (i != s.length()) {
                throw bad("trailing characters after the dict");
            }
            return out;
        }

        private Object value() {
            char c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(') {
                return tuple();
            }
            if (c == '[') {
                return sequence(0);
            }
            if (s.startsWith("True", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            throw bad("unexpected value");
        }

        private long[] tuple() {
            expect('(');
            List<Long> dims = new ArrayList<>();
            while (true) {
                ws();
                if (peek() == ')') {
                    i++;
                    break;
                }
                int start = i;
                while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') { // ASCII only, as Python's parser
                    i++;
                }
                if (start == i) {
                    throw bad("expected a non-negative integer in the shape");
                }
                try {
                    dims.add(Long.parseLong(s.substring(start, i)));
                } catch (NumberFormatException e) {
                    throw bad("dimension out of range");
                }
                if (i < s.length() && (s.charAt(i) == 'L' || s.charAt(i) == 'l')) {
                    i++; // Python 2 long suffix
                }
                ws();
                char c = next();
                if (c == ')') {
                    break;
                }
                if (c != ',') {
                    throw bad("expected ',' or ')' in the shape");
                }
            }
            long[] out = new long[dims.size()];
            for (int k = 0; k < out.length; k++) {
                out[k] = dims.get(k);
            }
            return out;
        }

        /** A list or tuple of strings, integers and nested lists or tuples, as a {@code List}. */
        private List<Object> sequence(int depth) {
            if (depth > 8) {
                throw bad("nested too deeply");
            }
            char open = next();
            char close = open == '[' ? ']' : ')';
            List<Object> out = new ArrayList<>();
            while (true) {
                ws();
                if (peek() == close) {
                    i++;
                    return out;
                }
                char c = peek();
                if (c == '\'' || c == '"') {
                    out.add(string());
                } else if (c == '[' || c == '(') {
                    out.add(sequence(depth + 1));
                } else if (c >= '0' && c <= '9') {
                    int start = i;
                    while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 18) {
                        i++;
                    }
                    out.add(Long.parseLong(s.substring(start, i)));
                } else {
                    throw bad("unexpected value in a list");
                }
                if (out.size() > 100_000) {
                    throw bad("list too long");
                }
                ws();
                char d = next();
                if (d == close) {
                    return out;
                }
                if (d != ',') {
                    throw bad("expected ',' or '" + close + "'");
                }
            }
        }

        private String string() {
            char q = next();
            if (q != '\'' && q != '"') {
                throw bad("expected a quoted string");
            }
            int start = i;
            while (i < s.length() && s.charAt(i) != q) {
                i++;
            }
            if (i >= s.length()) {
                throw bad("unterminated string");
            }
            return s.substring(start, i++);
        }

        private void ws() {
            while (i < s.length() && " \t\n\r\f\u000b".indexOf(s.charAt(i)) >= 0) { // Python's whitespace
                i++;
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw bad("unexpected end");
            }
            return s.charAt(i);
        }

        private char next() {
            char c = peek();
            i++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                throw bad("expected '" + c + "'");
            }
        }

        private NpyFormatException bad(String what) {
            return new NpyFormatException("cannot parse .npy header: problem=" + what + ", at=" + i
                    + ", header=" + quoteText(s.strip()));
        }
    }
}
