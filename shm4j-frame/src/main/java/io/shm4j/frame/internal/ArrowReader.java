package io.shm4j.frame.internal;

import static io.shm4j.frame.internal.ArrowFileLayout.INT;
import static io.shm4j.frame.internal.ArrowFileLayout.LONG;
import static io.shm4j.frame.internal.ArrowFileLayout.checkRange;

import io.shm4j.frame.ColumnType;
import io.shm4j.frame.CompressedFrameException;
import io.shm4j.frame.FrameFormatException;
import io.shm4j.frame.UnsupportedArrowTypeException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flatbuf.Block;
import org.apache.arrow.flatbuf.Date;
import org.apache.arrow.flatbuf.DateUnit;
import org.apache.arrow.flatbuf.Decimal;
import org.apache.arrow.flatbuf.Duration;
import org.apache.arrow.flatbuf.FixedSizeBinary;
import org.apache.arrow.flatbuf.Time;
import org.apache.arrow.flatbuf.Bool;
import org.apache.arrow.flatbuf.BodyCompression;
import org.apache.arrow.flatbuf.CompressionType;
import org.apache.arrow.flatbuf.DictionaryBatch;
import org.apache.arrow.flatbuf.DictionaryEncoding;
import org.apache.arrow.flatbuf.Endianness;
import org.apache.arrow.flatbuf.Field;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.FloatingPoint;
import org.apache.arrow.flatbuf.Footer;
import org.apache.arrow.flatbuf.Int;
import org.apache.arrow.flatbuf.KeyValue;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.MetadataVersion;
import org.apache.arrow.flatbuf.Precision;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.flatbuf.Schema;
import org.apache.arrow.flatbuf.Timestamp;
import org.apache.arrow.flatbuf.Type;

/**
 * Reads an Arrow IPC file in place. Metadata (footer, messages) is copied to small heap buffers
 * and decoded with the {@code org.apache.arrow.flatbuf} classes; every buffer range is checked
 * against its message body and the body against the file before a slice is made, so corrupt
 * input raises {@link FrameFormatException} (or a subclass) and never reads outside the file.
 *
 * <p>Thread-safety: stateless; {@link #read} may be called concurrently.
 */
public final class ArrowReader {
    private ArrowReader() {}

    /** Reads the file held by {@code file}. */
    public static ArrowFile read(MemorySegment file) {
        ArrowFileLayout.checkMagic(file);
        long size = file.byteSize();
        int footerLength = file.get(INT, size - ArrowFileLayout.TRAILER_LENGTH);
        long footerEnd = size - ArrowFileLayout.TRAILER_LENGTH;
        if (footerLength <= 0 || footerLength > footerEnd - ArrowFileLayout.HEADER_LENGTH) {
            throw new FrameFormatException("truncated or corrupt Arrow IPC file: footerLength=" + footerLength
                    + ", size=" + size);
        }
        long footerStart = footerEnd - footerLength;
        try {
            return readFooter(file, heapCopy(file, footerStart, footerLength), footerStart);
        } catch (FrameFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new FrameFormatException("corrupt Arrow metadata: " + e + ", size=" + size, e);
        } catch (StackOverflowError e) {
            throw new FrameFormatException("corrupt Arrow metadata: nesting too deep, size=" + size, e);
        }
    }

    private static ArrowFile readFooter(MemorySegment file, ByteBuffer bb, long dataEnd) {
        Footer footer = Footer.getRootAsFooter(bb);
        checkVersion(footer.version(), "footer");
        Schema schema = footer.schema();
        if (schema == null) {
            throw new FrameFormatException("corrupt Arrow footer: no schema");
        }
        if (schema.endianness() != Endianness.Little) {
            throw new FrameFormatException("big-endian Arrow files are not supported: endianness=big");
        }
        int nFields = checkCount("schema fields", schema.fieldsLength(), bb.capacity(), 4);
        List<ArrowField> fields = new ArrayList<>(nFields);
        for (int i = 0; i < nFields; i++) {
            fields.add(field(schema.fields(i), i));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        int nMeta = checkCount("schema metadata", schema.customMetadataLength(), bb.capacity(), 4);
        for (int i = 0; i < nMeta; i++) {
            KeyValue kv = schema.customMetadata(i);
            if (kv.key() != null) {
                metadata.put(kv.key(), kv.value());
            }
        }

        Map<Long, Chunk> dictionaries = new HashMap<>();
        Map<Long, ArrowField> dictFields = new HashMap<>();
        for (ArrowField f : fields) {
            if (f.isDictionary() && dictFields.putIfAbsent(f.dictionaryId(), f) != null) {
                throw new UnsupportedArrowTypeException("dictionary shared by several columns: id="
                        + f.dictionaryId() + ", column=" + f.name());
            }
        }
        int nDicts = checkCount("dictionary blocks", footer.dictionariesLength(), bb.capacity(), 24);
        for (int i = 0; i < nDicts; i++) {
            Block block = footer.dictionaries(i);
            Body msg = message(file, block, dataEnd, "dictionary block " + i);
            if (msg.message.headerType() != MessageHeader.DictionaryBatch) {
                throw new FrameFormatException("dictionary block " + i + " holds no dictionary batch: headerType="
                        + MessageHeader.name(msg.message.headerType()));
            }
            DictionaryBatch db = (DictionaryBatch) msg.message.header(new DictionaryBatch());
            if (db.isDelta()) {
                throw new UnsupportedArrowTypeException("dictionary delta batches are not supported: id=" + db.id()
                        + "; write the table with unified dictionaries (table.unify_dictionaries())");
            }
            ArrowField owner = dictFields.get(db.id());
            if (owner == null) {
                throw new FrameFormatException("dictionary batch for no column: id=" + db.id());
            }
            if (dictionaries.containsKey(db.id())) {
                throw new UnsupportedArrowTypeException("dictionary replacement is not allowed in Arrow IPC files: id="
                        + db.id());
            }
            RecordBatch data = db.data();
            if (data == null) {
                throw new FrameFormatException("dictionary batch without data: id=" + db.id());
            }
            ArrowField valueField = owner.dictionaryValues();
            Chunk[] chunks = batch(msg, data, List.of(valueField), null, "dictionary id=" + db.id());
            dictionaries.put(db.id(), chunks[0]);
        }

        int nBatches = checkCount("record batch blocks", footer.recordBatchesLength(), bb.capacity(), 24);
        List<Chunk[]> batches = new ArrayList<>(nBatches);
        long rows = 0;
        for (int i = 0; i < nBatches; i++) {
            Block block = footer.recordBatches(i);
            Body msg = message(file, block, dataEnd, "record batch " + i);
            if (msg.message.headerType() != MessageHeader.RecordBatch) {
                throw new FrameFormatException("record batch block " + i + " holds no record batch: headerType="
                        + MessageHeader.name(msg.message.headerType()));
            }
            RecordBatch rb = (RecordBatch) msg.message.header(new RecordBatch());
            Chunk[] chunks = batch(msg, rb, fields, dictionaries, "record batch " + i);
            batches.add(chunks);
            rows = Math.addExact(rows, rb.length());
        }
        return new ArrowFile(List.copyOf(fields), metadata, batches, rows);
    }

    /** A decoded message and the body it describes. */
    record Body(Message message, MemorySegment body) {}

    static Body message(MemorySegment file, Block block, long dataEnd, String where) {
        long offset = block.offset();
        int metaTotal = block.metaDataLength();
        long bodyLength = block.bodyLength();
        checkRange(where + " metadata", offset, metaTotal, dataEnd);
        checkRange(where + " body", offset + metaTotal, bodyLength, dataEnd);
        if (metaTotal < 8) {
            throw new FrameFormatException(where + ": metadata too short: metaDataLength=" + metaTotal);
        }
        int prefix;
        int metaLen;
        if (file.get(INT, offset) == ArrowFileLayout.CONTINUATION) {
            prefix = 8;
            metaLen = file.get(INT, offset + 4);
        } else {
            prefix = 4; // format before 0.15: int32 length, no continuation marker
            metaLen = file.get(INT, offset);
        }
        if (metaLen <= 0 || metaLen > metaTotal - prefix || metaLen > ArrowFileLayout.MAX_METADATA_LENGTH) {
            throw new FrameFormatException(where + ": metadata length out of range: metaLen=" + metaLen
                    + ", metaDataLength=" + metaTotal + ", offset=" + offset);
        }
        Message m = Message.getRootAsMessage(heapCopy(file, offset + prefix, metaLen));
        checkVersion(m.version(), where);
        long msgBody = m.bodyLength();
        if (msgBody < 0 || msgBody > bodyLength) {
            throw new FrameFormatException(where + ": message body longer than its block: bodyLength=" + msgBody
                    + ", blockBodyLength=" + bodyLength);
        }
        return new Body(m, file.asSlice(offset + metaTotal, msgBody));
    }

    private static Chunk[] batch(Body msg, RecordBatch rb, List<ArrowField> fields, Map<Long, Chunk> dictionaries,
            String where) {
        BodyCompression compression = rb.compression();
        if (compression != null) {
            byte codec = compression.codec();
            String name = codec >= 0 && codec <= CompressionType.ZSTD ? CompressionType.name(codec) : "codec " + codec;
            throw new CompressedFrameException("compressed Arrow IPC file: codec=" + name + ", in " + where
                    + "; frames are read in place, so put it into shared memory with `shm4j put` or"
                    + " SharedFrame.putFile (which decompress it), or write it uncompressed"
                    + " (to_feather(path, compression=\"uncompressed\"))");
        }
        long length = rb.length();
        if (length < 0) {
            throw new FrameFormatException(where + ": negative length=" + length);
        }
        Cursor cur = new Cursor(rb, msg.body, where);
        Chunk[] chunks = new Chunk[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            ArrowField f = fields.get(i);
            chunks[i] = array(cur, f, length, dictionaries, where + ", column=" + f.name(), 0);
        }
        if (cur.node != rb.nodesLength() || cur.buffer != rb.buffersLength()) {
            throw new FrameFormatException(where + ": node or buffer count does not match the schema: nodes="
                    + rb.nodesLength() + ", expected=" + cur.node + ", buffers=" + rb.buffersLength() + ", expected="
                    + cur.buffer);
        }
        return chunks;
    }

    /** Walks the nodes, buffers and variadic counts of one record batch in schema order. */
    private static final class Cursor {
        final RecordBatch rb;
        final MemorySegment body;
        final String where;
        final FieldNode fieldNode = new FieldNode();
        final org.apache.arrow.flatbuf.Buffer buf = new org.apache.arrow.flatbuf.Buffer();
        int node;
        int buffer;
        int variadic;

        Cursor(RecordBatch rb, MemorySegment body, String where) {
            this.rb = rb;
            this.body = body;
            this.where = where;
        }

        FieldNode nextNode(String col) {
            if (node >= rb.nodesLength()) {
                throw new FrameFormatException(col + ": fewer field nodes than the schema needs: nodes="
                        + rb.nodesLength());
            }
            return rb.nodes(fieldNode, node++);
        }

        MemorySegment nextBuffer(String what) {
            if (buffer >= rb.buffersLength()) {
                throw new FrameFormatException(what + ": fewer buffers than the schema needs: buffers="
                        + rb.buffersLength());
            }
            return buffer(body, rb, buf, buffer++, what);
        }

        long nextVariadicCount(String col) {
            if (variadic >= rb.variadicBufferCountsLength()) {
                throw new FrameFormatException(col + ": no variadic buffer count for a view column: counts="
                        + rb.variadicBufferCountsLength());
            }
            return rb.variadicBufferCounts(variadic++);
        }
    }

    private static final MemorySegment EMPTY = MemorySegment.ofArray(new byte[0]);

    /** Reads one array (and its children) of a batch; {@code expected} is its length, or -1 for list children. */
    private static Chunk array(Cursor cur, ArrowField f, long expected, Map<Long, Chunk> dictionaries, String col,
            int depth) {
        if (depth > 32) {
            throw new FrameFormatException(col + ": nesting too deep: depth=" + depth);
        }
        FieldNode node = cur.nextNode(col);
        long n = node.length();
        long nulls = node.nullCount();
        if (n < 0 || (expected >= 0 && n != expected)) {
            throw new FrameFormatException(col + ": column length differs from batch length: length=" + n
                    + ", batchLength=" + expected);
        }
        if (nulls < 0 || nulls > n) {
            throw new FrameFormatException(col + ": null count out of range: nullCount=" + nulls + ", length=" + n);
        }
        if (f.isNullType()) {
            return new Chunk(n, n, 0, null, null, EMPTY, null);
        }
        MemorySegment validity = cur.nextBuffer(col + " validity");
        if (nulls > 0) {
            need(validity, ArrowFileLayout.bitmapBytes(n), col + " validity");
        } else {
            validity = null;
        }
        if (f.isDictionary()) {
            MemorySegment values = cur.nextBuffer(col + " indices");
            need(values, Math.multiplyExact(n, (long) f.valueWidth()), col + " indices");
            Chunk dictionary = dictionaries.get(f.dictionaryId());
            if (dictionary == null) {
                throw new FrameFormatException(col + ": no dictionary batch: id=" + f.dictionaryId());
            }
            return new Chunk(n, nulls, 0, validity, null, values, dictionary);
        }
        switch (f.type()) {
            case BOOL -> {
                MemorySegment values = cur.nextBuffer(col + " values");
                need(values, ArrowFileLayout.bitmapBytes(n), col + " values");
                return new Chunk(n, nulls, 0, validity, null, values, null);
            }
            case STRING, BINARY -> {
                if (f.isView()) {
                    MemorySegment views = cur.nextBuffer(col + " views");
                    need(views, Math.multiplyExact(n, 16L), col + " views");
                    long count = cur.nextVariadicCount(col);
                    if (count < 0 || count > cur.rb.buffersLength() - cur.buffer) {
                        throw new FrameFormatException(col + ": variadic buffer count out of range: count=" + count
                                + ", buffers=" + cur.rb.buffersLength());
                    }
                    MemorySegment[] data = new MemorySegment[(int) count];
                    for (int i = 0; i < data.length; i++) {
                        data[i] = cur.nextBuffer(col + " data " + i);
                    }
                    return new Chunk(n, nulls, 0, validity, null, views, null, new Chunk[0], data);
                }
                if (f.isFixedSizeBinary()) {
                    MemorySegment values = cur.nextBuffer(col + " values");
                    need(values, Math.multiplyExact(n, (long) f.valueWidth()), col + " values");
                    return new Chunk(n, nulls, 0, validity, null, values, null);
                }
                MemorySegment offsets = cur.nextBuffer(col + " offsets");
                MemorySegment values = cur.nextBuffer(col + " values");
                checkStrings(offsets, values, n, f.offsetWidth(), col);
                return new Chunk(n, nulls, 0, validity, offsets, values, null);
            }
            case LIST -> {
                MemorySegment offsets = cur.nextBuffer(col + " offsets");
                ArrowField item = f.children().get(0);
                Chunk child = array(cur, item, -1, dictionaries, col + "." + item.name(), depth + 1);
                if (n > 0 || offsets.byteSize() > 0) {
                    need(offsets, Math.multiplyExact(n + 1, (long) f.offsetWidth()), col + " offsets");
                    long first = f.offsetWidth() == 4 ? offsets.get(INT, 0) : offsets.get(LONG, 0);
                    long last = f.offsetWidth() == 4 ? offsets.getAtIndex(INT, n) : offsets.getAtIndex(LONG, n);
                    if (first < 0 || last < first || last > child.length()) {
                        throw new FrameFormatException(col + ": list offsets out of range: first=" + first + ", last="
                                + last + ", childLength=" + child.length());
                    }
                }
                return new Chunk(n, nulls, 0, validity, offsets, EMPTY, null, new Chunk[] {child}, new MemorySegment[0]);
            }
            case STRUCT -> {
                Chunk[] kids = new Chunk[f.children().size()];
                for (int i = 0; i < kids.length; i++) {
                    ArrowField c = f.children().get(i);
                    kids[i] = array(cur, c, n, dictionaries, col + "." + c.name(), depth + 1);
                }
                return new Chunk(n, nulls, 0, validity, null, EMPTY, null, kids, new MemorySegment[0]);
            }
            default -> {
                MemorySegment values = cur.nextBuffer(col + " values");
                need(values, Math.multiplyExact(n, (long) f.valueWidth()), col + " values");
                return new Chunk(n, nulls, 0, validity, null, values, null);
            }
        }
    }

    private static MemorySegment buffer(MemorySegment body, RecordBatch rb,
            org.apache.arrow.flatbuf.Buffer buf, int i, String what) {
        rb.buffers(buf, i);
        long off = buf.offset();
        long len = buf.length();
        checkRange(what + " buffer", off, len, body.byteSize());
        return body.asSlice(off, len);
    }

    private static void need(MemorySegment buffer, long bytes, String what) {
        if (buffer.byteSize() < bytes) {
            throw new FrameFormatException(what + " buffer too short: length=" + buffer.byteSize() + ", needed=" + bytes);
        }
    }

    private static void checkStrings(MemorySegment offsets, MemorySegment data, long n, int width, String col) {
        if (n == 0 && offsets.byteSize() == 0) {
            return;
        }
        need(offsets, Math.multiplyExact(n + 1, (long) width), col + " offsets");
        long first = width == 4 ? offsets.get(INT, 0) : offsets.get(LONG, 0);
        long last = width == 4 ? offsets.getAtIndex(INT, n) : offsets.getAtIndex(LONG, n);
        if (first < 0 || last < first || last > data.byteSize()) {
            throw new FrameFormatException(col + ": string offsets out of range: first=" + first + ", last=" + last
                    + ", dataLength=" + data.byteSize());
        }
    }

    private static ArrowField field(Field f, int index) {
        return field(f, f.name() == null ? "" : f.name(), 0);
    }

    /** Decodes one schema field; {@code path} names it in errors (parent.child for nested fields). */
    static ArrowField field(Field f, String path, int depth) {
        String name = f.name() == null ? "" : f.name();
        if (depth > 32) {
            throw new FrameFormatException("schema nesting too deep: column=" + path);
        }
        byte tt = f.typeType();
        ColumnType type;
        TimeUnit unit = null;
        String tz = null;
        int offsetWidth = 0;
        ArrowField.Extra extra = ArrowField.Extra.NONE;
        switch (tt) {
            case Type.Int -> {
                Int it = (Int) f.type(new Int());
                type = intType(it, path);
            }
            case Type.FloatingPoint -> {
                FloatingPoint fp = (FloatingPoint) f.type(new FloatingPoint());
                type = switch (fp.precision()) {
                    case Precision.DOUBLE -> ColumnType.FLOAT64;
                    case Precision.SINGLE -> ColumnType.FLOAT32;
                    case Precision.HALF -> ColumnType.FLOAT16;
                    default -> throw new FrameFormatException("bad float precision: column=" + path + ", precision="
                            + fp.precision());
                };
            }
            case Type.Bool -> {
                f.type(new Bool());
                type = ColumnType.BOOL;
            }
            case Type.Utf8 -> {
                type = ColumnType.STRING;
                offsetWidth = 4;
            }
            case Type.Null -> {
                type = ColumnType.STRING; // every value null; offsetWidth 0 marks the null type
                offsetWidth = 0;
            }
            case Type.LargeUtf8 -> {
                type = ColumnType.STRING;
                offsetWidth = 8;
            }
            case Type.Utf8View -> {
                type = ColumnType.STRING;
                extra = new ArrowField.Extra(0, 0, 0, true, List.of());
            }
            case Type.Binary -> {
                type = ColumnType.BINARY;
                offsetWidth = 4;
            }
            case Type.LargeBinary -> {
                type = ColumnType.BINARY;
                offsetWidth = 8;
            }
            case Type.BinaryView -> {
                type = ColumnType.BINARY;
                extra = new ArrowField.Extra(0, 0, 0, true, List.of());
            }
            case Type.FixedSizeBinary -> {
                FixedSizeBinary fsb = (FixedSizeBinary) f.type(new FixedSizeBinary());
                if (fsb.byteWidth() < 0) {
                    throw new FrameFormatException("bad fixed_size_binary width: column=" + path + ", byteWidth="
                            + fsb.byteWidth());
                }
                type = ColumnType.BINARY;
                extra = new ArrowField.Extra(fsb.byteWidth(), 0, 0, false, List.of());
            }
            case Type.Date -> {
                Date d = (Date) f.type(new Date());
                type = ColumnType.DATE;
                extra = new ArrowField.Extra(d.unit() == DateUnit.DAY ? 4 : 8, 0, 0, false, List.of());
            }
            case Type.Time -> {
                Time t = (Time) f.type(new Time());
                type = ColumnType.TIME;
                unit = timeUnit(t.unit(), path);
                int width = unit == TimeUnit.SECONDS || unit == TimeUnit.MILLISECONDS ? 4 : 8;
                if (t.bitWidth() != width * 8) {
                    throw new FrameFormatException("bad time width: column=" + path + ", bitWidth=" + t.bitWidth()
                            + ", unit=" + ArrowField.unitName(unit));
                }
                extra = new ArrowField.Extra(width, 0, 0, false, List.of());
            }
            case Type.Duration -> {
                Duration d = (Duration) f.type(new Duration());
                type = ColumnType.DURATION;
                unit = timeUnit(d.unit(), path);
            }
            case Type.Decimal -> {
                Decimal d = (Decimal) f.type(new Decimal());
                if (d.bitWidth() != 128) {
                    throw unsupported(path, "decimal" + d.bitWidth() + "(" + d.precision() + ", " + d.scale() + ")");
                }
                type = ColumnType.DECIMAL;
                extra = new ArrowField.Extra(16, d.precision(), d.scale(), false, List.of());
            }
            case Type.List, Type.LargeList -> {
                if (f.childrenLength() != 1) {
                    throw new FrameFormatException("list without exactly one child: column=" + path + ", children="
                            + f.childrenLength());
                }
                ArrowField item = field(f.children(0), path + "." + name, depth + 1);
                if (item.type() == ColumnType.LIST || item.type() == ColumnType.STRUCT || item.isDictionary()) {
                    throw unsupported(path, typeName(tt) + "<" + item.describeType() + ">");
                }
                type = ColumnType.LIST;
                offsetWidth = tt == Type.List ? 4 : 8;
                extra = new ArrowField.Extra(0, 0, 0, false, List.of(item));
            }
            case Type.Struct_ -> {
                List<ArrowField> kids = new ArrayList<>();
                for (int i = 0; i < f.childrenLength(); i++) {
                    ArrowField c = field(f.children(i), path + "." + name, depth + 1);
                    if (c.isDictionary()) {
                        throw unsupported(path, "struct with a dictionary field " + c.name());
                    }
                    kids.add(c);
                }
                type = ColumnType.STRUCT;
                extra = new ArrowField.Extra(0, 0, 0, false, kids);
            }
            case Type.Timestamp -> {
                Timestamp ts = (Timestamp) f.type(new Timestamp());
                type = ColumnType.TIMESTAMP;
                unit = timeUnit(ts.unit(), path);
                tz = ts.timezone();
                if (tz != null) {
                    if (tz.isEmpty()) {
                        tz = null;
                    } else {
                        try {
                            Zones.of(tz);
                        } catch (DateTimeException e) {
                            throw new FrameFormatException("bad time zone: column=" + path + ", timezone=" + tz, e);
                        }
                    }
                }
            }
            default -> throw unsupported(path, typeName(tt));
        }
        if (f.childrenLength() != 0 && type != ColumnType.LIST && type != ColumnType.STRUCT) {
            throw unsupported(path, typeName(tt) + " with children");
        }
        DictionaryEncoding de = f.dictionary();
        if (de == null) {
            return new ArrowField(name, type, f.nullable(), unit, tz, offsetWidth, null, -1, false, extra);
        }
        Int idx = de.indexType();
        ColumnType indexType = idx == null ? ColumnType.INT32 : intType(idx, path);
        if (depth > 0) {
            throw unsupported(path, "dictionary inside a nested type");
        }
        if (type == ColumnType.STRING) {
            return new ArrowField(name, ColumnType.CATEGORY, f.nullable(), null, null, offsetWidth, indexType, de.id(),
                    de.isOrdered(), extra);
        }
        if (!type.isInteger() && !type.isFloatingPoint()) {
            throw unsupported(path, "dictionary<values=" + new ArrowField(name, type, true, unit, tz, offsetWidth, null,
                    -1, false, extra).describeType() + ">");
        }
        return new ArrowField(name, type, f.nullable(), unit, tz, offsetWidth, indexType, de.id(), de.isOrdered(), extra);
    }

    private static TimeUnit timeUnit(short u, String path) {
        return switch (u) {
            case org.apache.arrow.flatbuf.TimeUnit.SECOND -> TimeUnit.SECONDS;
            case org.apache.arrow.flatbuf.TimeUnit.MILLISECOND -> TimeUnit.MILLISECONDS;
            case org.apache.arrow.flatbuf.TimeUnit.MICROSECOND -> TimeUnit.MICROSECONDS;
            case org.apache.arrow.flatbuf.TimeUnit.NANOSECOND -> TimeUnit.NANOSECONDS;
            default -> throw new FrameFormatException("bad time unit: column=" + path + ", unit=" + u);
        };
    }

    private static ColumnType intType(Int it, String name) {
        int bits = it.bitWidth();
        boolean signed = it.isSigned();
        return switch (bits) {
            case 8 -> signed ? ColumnType.INT8 : ColumnType.UINT8;
            case 16 -> signed ? ColumnType.INT16 : ColumnType.UINT16;
            case 32 -> signed ? ColumnType.INT32 : ColumnType.UINT32;
            case 64 -> signed ? ColumnType.INT64 : ColumnType.UINT64;
            default -> throw new FrameFormatException("bad integer width: column=" + name + ", bitWidth=" + bits);
        };
    }

    private static String typeName(byte tt) {
        return tt >= 0 && tt < Type.names.length ? Type.names[tt] : "type " + tt;
    }

    private static UnsupportedArrowTypeException unsupported(String column, String type) {
        return new UnsupportedArrowTypeException("unsupported Arrow type: type=" + type + ", column=" + column
                + "; supported: float64/32/16, int and uint 8-64, bool, timestamp, date, time, duration,"
                + " decimal128, utf8, large_utf8, string_view, binary (all four), dictionary of strings or numbers,"
                + " list/large_list of flat types, struct; cast the column in pyarrow first");
    }

    static void checkVersion(short version, String where) {
        if (version < MetadataVersion.V4 || version > MetadataVersion.V5) {
            throw new FrameFormatException("unsupported Arrow metadata version in " + where + ": version=" + version
                    + "; expected V4 or V5 (Arrow 0.15 or later)");
        }
    }

    static int checkCount(String what, int count, int metadataBytes, int minBytesEach) {
        if (count < 0 || (long) count * minBytesEach > metadataBytes) {
            throw new FrameFormatException("corrupt Arrow metadata: " + what + " count out of range: count=" + count
                    + ", metadataLength=" + metadataBytes);
        }
        return count;
    }

    static ByteBuffer heapCopy(MemorySegment file, long offset, int length) {
        byte[] bytes = file.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
