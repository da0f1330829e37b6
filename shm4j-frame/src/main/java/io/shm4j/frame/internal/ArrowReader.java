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
            if (f.type() == ColumnType.CATEGORY && dictFields.putIfAbsent(f.dictionaryId(), f) != null) {
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
            ArrowField valueField = ArrowField.of(owner.name(), ColumnType.STRING).withOffsetWidth(owner.offsetWidth());
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
    private record Body(Message message, MemorySegment body) {}

    private static Body message(MemorySegment file, Block block, long dataEnd, String where) {
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
                    + "; frames are read in place, so write it uncompressed (to_feather(path, compression=\"uncompressed\"))");
        }
        long length = rb.length();
        if (length < 0) {
            throw new FrameFormatException(where + ": negative length=" + length);
        }
        int nNodes = rb.nodesLength();
        int nBuffers = rb.buffersLength();
        int wantBuffers = 0;
        for (ArrowField f : fields) {
            wantBuffers += f.bufferCount();
        }
        if (nNodes != fields.size() || nBuffers != wantBuffers) {
            throw new FrameFormatException(where + ": node or buffer count does not match the schema: nodes=" + nNodes
                    + ", fields=" + fields.size() + ", buffers=" + nBuffers + ", expected=" + wantBuffers);
        }
        Chunk[] chunks = new Chunk[fields.size()];
        FieldNode node = new FieldNode();
        org.apache.arrow.flatbuf.Buffer buf = new org.apache.arrow.flatbuf.Buffer();
        MemorySegment body = msg.body;
        int b = 0;
        for (int i = 0; i < fields.size(); i++) {
            ArrowField f = fields.get(i);
            rb.nodes(node, i);
            long n = node.length();
            long nulls = node.nullCount();
            String col = where + ", column=" + f.name();
            if (n != length) {
                throw new FrameFormatException(col + ": column length differs from batch length: length=" + n
                        + ", batchLength=" + length);
            }
            if (nulls < 0 || nulls > n) {
                throw new FrameFormatException(col + ": null count out of range: nullCount=" + nulls + ", length=" + n);
            }
            if (f.isNullType()) {
                chunks[i] = new Chunk(n, n, 0, null, null, MemorySegment.ofArray(new byte[0]), null);
                continue;
            }
            MemorySegment validity = buffer(body, rb, buf, b++, col + " validity");
            if (nulls > 0) {
                need(validity, ArrowFileLayout.bitmapBytes(n), col + " validity");
            } else {
                validity = null;
            }
            MemorySegment offsets = null;
            if (f.type() == ColumnType.STRING) {
                offsets = buffer(body, rb, buf, b++, col + " offsets");
            }
            MemorySegment values = buffer(body, rb, buf, b++, col + " values");
            Chunk dictionary = null;
            switch (f.type()) {
                case BOOL -> need(values, ArrowFileLayout.bitmapBytes(n), col + " values");
                case STRING -> checkStrings(offsets, values, n, f.offsetWidth(), col);
                case CATEGORY -> {
                    need(values, Math.multiplyExact(n, (long) f.valueWidth()), col + " indices");
                    dictionary = dictionaries.get(f.dictionaryId());
                    if (dictionary == null) {
                        throw new FrameFormatException(col + ": no dictionary batch: id=" + f.dictionaryId());
                    }
                }
                default -> need(values, Math.multiplyExact(n, (long) f.valueWidth()), col + " values");
            }
            chunks[i] = new Chunk(n, nulls, 0, validity, offsets, values, dictionary);
        }
        return chunks;
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
        String name = f.name() == null ? "" : f.name();
        byte tt = f.typeType();
        ColumnType type;
        TimeUnit unit = null;
        String tz = null;
        int offsetWidth = 0;
        switch (tt) {
            case Type.Int -> {
                Int it = (Int) f.type(new Int());
                type = intType(it, name);
            }
            case Type.FloatingPoint -> {
                FloatingPoint fp = (FloatingPoint) f.type(new FloatingPoint());
                type = switch (fp.precision()) {
                    case Precision.DOUBLE -> ColumnType.FLOAT64;
                    case Precision.SINGLE -> ColumnType.FLOAT32;
                    default -> throw unsupported(name, "halffloat");
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
            case Type.Timestamp -> {
                Timestamp ts = (Timestamp) f.type(new Timestamp());
                type = ColumnType.TIMESTAMP;
                unit = switch (ts.unit()) {
                    case org.apache.arrow.flatbuf.TimeUnit.SECOND -> TimeUnit.SECONDS;
                    case org.apache.arrow.flatbuf.TimeUnit.MILLISECOND -> TimeUnit.MILLISECONDS;
                    case org.apache.arrow.flatbuf.TimeUnit.MICROSECOND -> TimeUnit.MICROSECONDS;
                    case org.apache.arrow.flatbuf.TimeUnit.NANOSECOND -> TimeUnit.NANOSECONDS;
                    default -> throw new FrameFormatException("bad timestamp unit: column=" + name + ", unit=" + ts.unit());
                };
                tz = ts.timezone();
                if (tz != null) {
                    if (tz.isEmpty()) {
                        tz = null;
                    } else {
                        try {
                            Zones.of(tz);
                        } catch (DateTimeException e) {
                            throw new FrameFormatException("bad time zone: column=" + name + ", timezone=" + tz, e);
                        }
                    }
                }
            }
            default -> throw unsupported(name, typeName(tt));
        }
        if (f.childrenLength() != 0) {
            throw unsupported(name, typeName(tt) + " with children");
        }
        DictionaryEncoding de = f.dictionary();
        if (de == null) {
            return new ArrowField(name, type, f.nullable(), unit, tz, offsetWidth, null, -1, false);
        }
        if (type != ColumnType.STRING) {
            throw unsupported(name, "dictionary<values=" + typeName(tt) + ">");
        }
        Int idx = de.indexType();
        ColumnType indexType = idx == null ? ColumnType.INT32 : intType(idx, name);
        return new ArrowField(name, ColumnType.CATEGORY, f.nullable(), null, null, offsetWidth, indexType, de.id(),
                de.isOrdered());
    }

    private static ColumnType intType(Int it, String name) {
        int bits = it.bitWidth();
        boolean signed = it.isSigned();
        return switch (bits) {
            case 8 -> signed ? ColumnType.INT8 : ColumnType.UINT8;
            case 16 -> signed ? ColumnType.INT16 : ColumnType.UINT16;
            case 32 -> signed ? ColumnType.INT32 : ColumnType.UINT32;
            case 64 -> {
                if (!signed) {
                    throw unsupported(name, "uint64");
                }
                yield ColumnType.INT64;
            }
            default -> throw new FrameFormatException("bad integer width: column=" + name + ", bitWidth=" + bits);
        };
    }

    private static String typeName(byte tt) {
        return tt >= 0 && tt < Type.names.length ? Type.names[tt] : "type " + tt;
    }

    private static UnsupportedArrowTypeException unsupported(String column, String type) {
        return new UnsupportedArrowTypeException("unsupported Arrow type: type=" + type + ", column=" + column
                + "; supported: float64/32, int64/32/16/8, uint32/16/8, bool, timestamp, utf8, large_utf8,"
                + " dictionary<utf8>; cast the column in pyarrow first");
    }

    private static void checkVersion(short version, String where) {
        if (version < MetadataVersion.V4 || version > MetadataVersion.V5) {
            throw new FrameFormatException("unsupported Arrow metadata version in " + where + ": version=" + version
                    + "; expected V4 or V5 (Arrow 0.15 or later)");
        }
    }

    private static int checkCount(String what, int count, int metadataBytes, int minBytesEach) {
        if (count < 0 || (long) count * minBytesEach > metadataBytes) {
            throw new FrameFormatException("corrupt Arrow metadata: " + what + " count out of range: count=" + count
                    + ", metadataLength=" + metadataBytes);
        }
        return count;
    }

    private static ByteBuffer heapCopy(MemorySegment file, long offset, int length) {
        byte[] bytes = file.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
