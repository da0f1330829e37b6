package io.shm4j.frame.internal;

import static io.shm4j.frame.internal.ArrowFileLayout.ALIGNMENT;
import static io.shm4j.frame.internal.ArrowFileLayout.INT;
import static io.shm4j.frame.internal.ArrowFileLayout.align;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shm4j.frame.ColumnType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flatbuf.Block;
import org.apache.arrow.flatbuf.Bool;
import org.apache.arrow.flatbuf.DictionaryBatch;
import org.apache.arrow.flatbuf.DictionaryEncoding;
import org.apache.arrow.flatbuf.Field;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.FloatingPoint;
import org.apache.arrow.flatbuf.Footer;
import org.apache.arrow.flatbuf.Int;
import org.apache.arrow.flatbuf.KeyValue;
import org.apache.arrow.flatbuf.LargeUtf8;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.MetadataVersion;
import org.apache.arrow.flatbuf.Precision;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.flatbuf.Schema;
import org.apache.arrow.flatbuf.Timestamp;
import org.apache.arrow.flatbuf.Type;
import org.apache.arrow.flatbuf.Utf8;

/**
 * Writes an Arrow IPC file in one record batch, sizes first: {@link #plan} measures every
 * column and lays out the whole file (metadata built on the heap, a few KB per thousand
 * columns); {@link Plan#writeTo} then writes each buffer once, straight into the target (the
 * pending segment). Layout: see {@link ArrowFileLayout}; every body buffer is 64-byte aligned.
 *
 * <p>Thread-safety: a plan is written once, by one thread.
 */
public final class ArrowWriter {
    private ArrowWriter() {}

    /** Where each buffer of a message body goes. */
    private record BodyLayout(long[] offsets, long[] lengths, long length) {}

    /** One message: its encapsulated metadata bytes and the body that follows. */
    private record Msg(byte[] metadata, BodyLayout body, List<ColumnSource> columns) {}

    /** A laid-out file, ready to be written. */
    public static final class Plan {
        private final long size;
        private final byte[] schemaMessage;
        private final List<Msg> dictionaries;
        private final Msg batch;
        private final List<long[]> positions;
        private final byte[] footer;

        private Plan(long size, byte[] schemaMessage, List<Msg> dictionaries, Msg batch, List<long[]> positions,
                byte[] footer) {
            this.size = size;
            this.schemaMessage = schemaMessage;
            this.dictionaries = dictionaries;
            this.batch = batch;
            this.positions = positions;
            this.footer = footer;
        }

        /** The file size in bytes. */
        public long size() {
            return size;
        }

        /** Writes the file into {@code target} (at least {@link #size()} bytes, zero-filled). */
        public void writeTo(MemorySegment target) {
            MemorySegment.copy(ArrowFileLayout.MAGIC, 0, target, ValueLayout.JAVA_BYTE, 0, ArrowFileLayout.MAGIC.length);
            long pos = ArrowFileLayout.HEADER_LENGTH;
            MemorySegment.copy(schemaMessage, 0, target, ValueLayout.JAVA_BYTE, pos, schemaMessage.length);
            List<Msg> all = new ArrayList<>(dictionaries);
            all.add(batch);
            for (int m = 0; m < all.size(); m++) {
                Msg msg = all.get(m);
                long at = positions.get(m)[0];
                MemorySegment.copy(msg.metadata, 0, target, ValueLayout.JAVA_BYTE, at, msg.metadata.length);
                long bodyAt = at + msg.metadata.length;
                int b = 0;
                for (ColumnSource c : msg.columns) {
                    MemorySegment validity = slice(target, bodyAt, msg.body, b++);
                    MemorySegment offsets = c.field().hasOffsets() ? slice(target, bodyAt, msg.body, b++) : null;
                    MemorySegment values = slice(target, bodyAt, msg.body, b++);
                    c.write(c.nullCount() > 0 ? validity : null, offsets, values);
                }
            }
            long eos = positions.get(all.size())[0];
            target.set(INT, eos, ArrowFileLayout.CONTINUATION);
            target.set(INT, eos + 4, 0);
            long footerAt = eos + 8;
            MemorySegment.copy(footer, 0, target, ValueLayout.JAVA_BYTE, footerAt, footer.length);
            target.set(INT, footerAt + footer.length, footer.length);
            MemorySegment.copy(ArrowFileLayout.MAGIC, 0, target, ValueLayout.JAVA_BYTE, footerAt + footer.length + 4,
                    ArrowFileLayout.MAGIC.length);
        }

        private static MemorySegment slice(MemorySegment target, long bodyAt, BodyLayout body, int i) {
            return target.asSlice(bodyAt + body.offsets[i], body.lengths[i]);
        }
    }

    /**
     * Lays out a file of one record batch.
     *
     * @param columns the columns, in schema order, all of {@code rows} rows, each already
     *     {@link ColumnSource#measure() measured}
     * @param metadata schema metadata (for example {@code pandas})
     */
    public static Plan plan(List<ColumnSource> columns, long rows, Map<String, String> metadata) {
        List<ArrowField> fields = new ArrayList<>();
        List<Msg> dictMsgs = new ArrayList<>();
        long dictId = 0;
        for (ColumnSource c : columns) {
            if (c.length() != rows) {
                throw new IllegalArgumentException("column length differs from the frame's rows: column="
                        + c.field().name() + ", length=" + c.length() + ", rows=" + rows);
            }
            ArrowField f = c.field();
            if (f.type() == ColumnType.CATEGORY) {
                f = f.withDictionaryId(dictId++);
            }
            fields.add(f);
        }
        byte[] schemaFb = schemaMessage(fields, metadata);
        long pos = ArrowFileLayout.HEADER_LENGTH;
        byte[] schemaMsg = encapsulate(schemaFb, pos, 8);
        pos += schemaMsg.length;
        List<long[]> positions = new ArrayList<>();
        List<long[]> dictBlocks = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            ColumnSource dict = columns.get(i).dictionary();
            if (dict == null) {
                continue;
            }
            BodyLayout body = layout(List.of(dict));
            byte[] fb = recordBatchMessage(List.of(dict), dict.length(), body, fields.get(i).dictionaryId());
            byte[] meta = encapsulate(fb, pos, ALIGNMENT);
            dictMsgs.add(new Msg(meta, body, List.of(dict)));
            positions.add(new long[] {pos});
            dictBlocks.add(new long[] {pos, meta.length, body.length});
            pos += meta.length + body.length;
        }
        BodyLayout body = layout(columns);
        byte[] fb = recordBatchMessage(columns, rows, body, -1);
        byte[] meta = encapsulate(fb, pos, ALIGNMENT);
        Msg batch = new Msg(meta, body, columns);
        positions.add(new long[] {pos});
        long[] batchBlock = {pos, meta.length, body.length};
        pos += meta.length + body.length;
        positions.add(new long[] {pos}); // EOS
        pos += 8;
        byte[] footer = footer(fields, metadata, dictBlocks, batchBlock);
        pos += footer.length + ArrowFileLayout.TRAILER_LENGTH;
        return new Plan(pos, schemaMsg, dictMsgs, batch, positions, footer);
    }

    private static BodyLayout layout(List<ColumnSource> columns) {
        List<Long> lens = new ArrayList<>();
        for (ColumnSource c : columns) {
            lens.add(c.nullCount() > 0 ? ArrowFileLayout.bitmapBytes(c.length()) : 0L);
            if (c.field().hasOffsets()) {
                lens.add(c.offsetsBytes());
            }
            lens.add(c.valuesBytes());
        }
        long[] offsets = new long[lens.size()];
        long[] lengths = new long[lens.size()];
        long cursor = 0;
        for (int i = 0; i < lens.size(); i++) {
            offsets[i] = cursor;
            lengths[i] = lens.get(i);
            cursor = align(cursor + lengths[i], ALIGNMENT);
        }
        return new BodyLayout(offsets, lengths, cursor);
    }

    /** Prefix, flatbuffer and padding so that what follows starts at a multiple of {@code alignment}. */
    private static byte[] encapsulate(byte[] fb, long pos, int alignment) {
        long end = align(pos + 8 + fb.length, alignment);
        int total = (int) (end - pos);
        byte[] out = new byte[total];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putInt(ArrowFileLayout.CONTINUATION);
        bb.putInt(total - 8);
        bb.put(fb);
        return out;
    }

    private static byte[] schemaMessage(List<ArrowField> fields, Map<String, String> metadata) {
        FlatBufferBuilder b = new FlatBufferBuilder(1024 + fields.size() * 128);
        int schema = schema(b, fields, metadata);
        int msg = Message.createMessage(b, MetadataVersion.V5, MessageHeader.Schema, schema, 0, 0);
        b.finish(msg);
        return b.sizedByteArray();
    }

    private static byte[] recordBatchMessage(List<ColumnSource> columns, long rows, BodyLayout body, long dictionaryId) {
        FlatBufferBuilder b = new FlatBufferBuilder(256 + columns.size() * 64);
        RecordBatch.startNodesVector(b, columns.size());
        for (int i = columns.size() - 1; i >= 0; i--) {
            FieldNode.createFieldNode(b, columns.get(i).length(), columns.get(i).nullCount());
        }
        int nodes = b.endVector();
        RecordBatch.startBuffersVector(b, body.offsets.length);
        for (int i = body.offsets.length - 1; i >= 0; i--) {
            org.apache.arrow.flatbuf.Buffer.createBuffer(b, body.offsets[i], body.lengths[i]);
        }
        int buffers = b.endVector();
        RecordBatch.startRecordBatch(b);
        RecordBatch.addLength(b, rows);
        RecordBatch.addNodes(b, nodes);
        RecordBatch.addBuffers(b, buffers);
        int rb = RecordBatch.endRecordBatch(b);
        int header = rb;
        byte headerType = MessageHeader.RecordBatch;
        if (dictionaryId >= 0) {
            header = DictionaryBatch.createDictionaryBatch(b, dictionaryId, rb, false);
            headerType = MessageHeader.DictionaryBatch;
        }
        int msg = Message.createMessage(b, MetadataVersion.V5, headerType, header, body.length, 0);
        b.finish(msg);
        return b.sizedByteArray();
    }

    private static byte[] footer(List<ArrowField> fields, Map<String, String> metadata, List<long[]> dicts,
            long[] batch) {
        FlatBufferBuilder b = new FlatBufferBuilder(1024 + fields.size() * 128);
        int schema = schema(b, fields, metadata);
        Footer.startDictionariesVector(b, dicts.size());
        for (int i = dicts.size() - 1; i >= 0; i--) {
            long[] d = dicts.get(i);
            Block.createBlock(b, d[0], (int) d[1], d[2]);
        }
        int dictVec = b.endVector();
        Footer.startRecordBatchesVector(b, 1);
        Block.createBlock(b, batch[0], (int) batch[1], batch[2]);
        int batchVec = b.endVector();
        int footer = Footer.createFooter(b, MetadataVersion.V5, schema, dictVec, batchVec, 0);
        b.finish(footer);
        return b.sizedByteArray();
    }

    private static int schema(FlatBufferBuilder b, List<ArrowField> fields, Map<String, String> metadata) {
        int[] fieldOffsets = new int[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            fieldOffsets[i] = field(b, fields.get(i));
        }
        int fieldVec = Schema.createFieldsVector(b, fieldOffsets);
        int[] kvs = new int[metadata.size()];
        int k = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            int key = b.createString(e.getKey());
            int value = b.createString(e.getValue());
            kvs[k++] = KeyValue.createKeyValue(b, key, value);
        }
        int meta = Schema.createCustomMetadataVector(b, kvs);
        return Schema.createSchema(b, org.apache.arrow.flatbuf.Endianness.Little, fieldVec, meta, 0);
    }

    private static short unit(ArrowField f) {
        return switch (f.unit()) {
            case SECONDS -> org.apache.arrow.flatbuf.TimeUnit.SECOND;
            case MILLISECONDS -> org.apache.arrow.flatbuf.TimeUnit.MILLISECOND;
            case MICROSECONDS -> org.apache.arrow.flatbuf.TimeUnit.MICROSECOND;
            default -> org.apache.arrow.flatbuf.TimeUnit.NANOSECOND;
        };
    }

    private static int field(FlatBufferBuilder b, ArrowField f) {
        int name = b.createString(f.name());
        byte typeType;
        int type;
        int dictionary = 0;
        ColumnType t = f.type();
        switch (t) {
            case FLOAT64, FLOAT32 -> {
                typeType = Type.FloatingPoint;
                type = FloatingPoint.createFloatingPoint(b, t == ColumnType.FLOAT64 ? Precision.DOUBLE : Precision.SINGLE);
            }
            case INT64, INT32, INT16, INT8, UINT64, UINT32, UINT16, UINT8 -> {
                typeType = Type.Int;
                type = Int.createInt(b, t.byteWidth() * 8, !t.name().startsWith("U"));
            }
            case FLOAT16 -> {
                typeType = Type.FloatingPoint;
                type = FloatingPoint.createFloatingPoint(b, Precision.HALF);
            }
            case DATE -> {
                typeType = Type.Date;
                type = org.apache.arrow.flatbuf.Date.createDate(b, f.valueWidth() == 4
                        ? org.apache.arrow.flatbuf.DateUnit.DAY : org.apache.arrow.flatbuf.DateUnit.MILLISECOND);
            }
            case TIME -> {
                typeType = Type.Time;
                type = org.apache.arrow.flatbuf.Time.createTime(b, unit(f), f.valueWidth() * 8);
            }
            case DURATION -> {
                typeType = Type.Duration;
                type = org.apache.arrow.flatbuf.Duration.createDuration(b, unit(f));
            }
            case DECIMAL -> {
                typeType = Type.Decimal;
                type = org.apache.arrow.flatbuf.Decimal.createDecimal(b, f.extra().precision(), f.extra().scale(), 128);
            }
            case BINARY -> {
                if (f.isView()) {
                    throw new IllegalArgumentException("cannot write type: " + f.describeType());
                } else if (f.isFixedSizeBinary()) {
                    typeType = Type.FixedSizeBinary;
                    type = org.apache.arrow.flatbuf.FixedSizeBinary.createFixedSizeBinary(b, f.valueWidth());
                } else if (f.offsetWidth() == 8) {
                    typeType = Type.LargeBinary;
                    org.apache.arrow.flatbuf.LargeBinary.startLargeBinary(b);
                    type = org.apache.arrow.flatbuf.LargeBinary.endLargeBinary(b);
                } else {
                    typeType = Type.Binary;
                    org.apache.arrow.flatbuf.Binary.startBinary(b);
                    type = org.apache.arrow.flatbuf.Binary.endBinary(b);
                }
            }
            case BOOL -> {
                typeType = Type.Bool;
                Bool.startBool(b);
                type = Bool.endBool(b);
            }
            case TIMESTAMP -> {
                typeType = Type.Timestamp;
                int tz = f.timeZone() == null ? 0 : b.createString(f.timeZone());
                type = Timestamp.createTimestamp(b, unit(f), tz);
            }
            case STRING, CATEGORY -> {
                if (f.offsetWidth() == 8) {
                    typeType = Type.LargeUtf8;
                    LargeUtf8.startLargeUtf8(b);
                    type = LargeUtf8.endLargeUtf8(b);
                } else {
                    typeType = Type.Utf8;
                    Utf8.startUtf8(b);
                    type = Utf8.endUtf8(b);
                }
                if (t == ColumnType.CATEGORY) {
                    int index = Int.createInt(b, 32, true);
                    dictionary = DictionaryEncoding.createDictionaryEncoding(b, f.dictionaryId(), index, f.ordered(),
                            org.apache.arrow.flatbuf.DictionaryKind.DenseArray);
                }
            }
            default -> throw new IllegalArgumentException("cannot write type: " + t);
        }
        int children = Field.createChildrenVector(b, new int[0]);
        return Field.createField(b, name, true, typeType, type, dictionary, children, 0);
    }
}
