package io.shm4j.frame.internal;

import static io.shm4j.frame.internal.ArrowFileLayout.ALIGNMENT;
import static io.shm4j.frame.internal.ArrowFileLayout.INT;
import static io.shm4j.frame.internal.ArrowFileLayout.LONG;
import static io.shm4j.frame.internal.ArrowFileLayout.align;
import static io.shm4j.frame.internal.ArrowFileLayout.checkRange;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shm4j.frame.CompressedFrameException;
import io.shm4j.frame.FrameFormatException;
import io.shm4j.frame.UnsupportedArrowTypeException;
import io.shm4j.segment.internal.Native;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.arrow.flatbuf.Block;
import org.apache.arrow.flatbuf.BodyCompression;
import org.apache.arrow.flatbuf.CompressionType;
import org.apache.arrow.flatbuf.DictionaryBatch;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.Footer;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.MetadataVersion;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.flatbuf.Schema;

/**
 * Rewrites Arrow IPC input that cannot be read in place — the <i>stream</i> format, and files or
 * streams whose buffers are compressed (LZ4 frame, ZSTD) — into the uncompressed IPC <i>file</i>
 * format shm4j reads in place: same schema (with its metadata), same record batches and
 * dictionaries, every buffer 64-byte aligned. Types are not interpreted beyond checking that the
 * frame layer can read them, so what pyarrow wrote is what a reader of the segment sees.
 *
 * <p>{@link #plan} parses and sizes (metadata only; the sizes of compressed buffers come from
 * their 8-byte length prefix); {@link Plan#writeTo} then decompresses or copies every buffer
 * straight into the target, buffers in parallel.
 *
 * <p>Thread-safety: a plan is written once; {@link Plan#writeTo} uses the common fork-join pool.
 */
public final class IpcRewrite {
    private IpcRewrite() {}

    /** One dictionary or record batch message of the input, and where its buffers go. */
    private record Msg(Message message, MemorySegment body, byte codec, long[] srcOffsets, long[] srcLengths,
            long[] dstOffsets, long[] dstLengths, long bodyLength, byte[] metadata) {}

    /** A laid-out output file. */
    public static final class Plan {
        private final boolean stream;
        private final byte codec;
        private final byte[] schemaMessage;
        private final List<Msg> messages;
        private final long[] positions;
        private final byte[] footer;
        private final long size;

        private Plan(boolean stream, byte codec, byte[] schemaMessage, List<Msg> messages, long[] positions,
                byte[] footer, long size) {
            this.stream = stream;
            this.codec = codec;
            this.schemaMessage = schemaMessage;
            this.messages = messages;
            this.positions = positions;
            this.footer = footer;
            this.size = size;
        }

        /** Bytes of the output file. */
        public long size() {
            return size;
        }

        /** Whether the input was the stream format. */
        public boolean wasStream() {
            return stream;
        }

        /** The input's compression codec name ({@code LZ4_FRAME}, {@code ZSTD}), or null if uncompressed. */
        public String codec() {
            return codec < 0 ? null : CompressionType.name(codec);
        }

        /** Writes the file into {@code target} (at least {@link #size()} bytes, zero-filled). */
        public void writeTo(MemorySegment target) {
            MemorySegment.copy(ArrowFileLayout.MAGIC, 0, target, ValueLayout.JAVA_BYTE, 0, ArrowFileLayout.MAGIC.length);
            long pos = ArrowFileLayout.HEADER_LENGTH;
            MemorySegment.copy(schemaMessage, 0, target, ValueLayout.JAVA_BYTE, pos, schemaMessage.length);
            List<Runnable> copies = new ArrayList<>();
            for (int m = 0; m < messages.size(); m++) {
                Msg msg = messages.get(m);
                long at = positions[m];
                MemorySegment.copy(msg.metadata, 0, target, ValueLayout.JAVA_BYTE, at, msg.metadata.length);
                long bodyAt = at + msg.metadata.length;
                for (int i = 0; i < msg.srcOffsets.length; i++) {
                    long len = msg.srcLengths[i];
                    if (len == 0) {
                        continue;
                    }
                    MemorySegment src = msg.body.asSlice(msg.srcOffsets[i], len);
                    MemorySegment dst = target.asSlice(bodyAt + msg.dstOffsets[i], msg.dstLengths[i]);
                    byte c = msg.codec;
                    String where = "message " + m + ", buffer " + i;
                    copies.add(() -> copyBuffer(c, src, dst, where));
                }
            }
            long eos = size - ArrowFileLayout.TRAILER_LENGTH - footer.length - 8;
            target.set(INT, eos, ArrowFileLayout.CONTINUATION);
            target.set(INT, eos + 4, 0);
            MemorySegment.copy(footer, 0, target, ValueLayout.JAVA_BYTE, eos + 8, footer.length);
            target.set(INT, size - ArrowFileLayout.TRAILER_LENGTH, footer.length);
            MemorySegment.copy(ArrowFileLayout.MAGIC, 0, target, ValueLayout.JAVA_BYTE, size - ArrowFileLayout.MAGIC.length,
                    ArrowFileLayout.MAGIC.length);
            if (codec < 0 || copies.size() < 2) {
                copies.forEach(Runnable::run);
            } else {
                copies.parallelStream().forEach(Runnable::run);
            }
        }
    }

    private static void copyBuffer(byte codec, MemorySegment src, MemorySegment dst, String where) {
        if (codec < 0) {
            Native.kernelCopy(src.asSlice(0, dst.byteSize()), dst);
            return;
        }
        long declared = src.get(LONG, 0);
        MemorySegment data = src.asSlice(8);
        if (declared == -1) {
            Native.kernelCopy(data.asSlice(0, dst.byteSize()), dst);
            return;
        }
        IpcCodecs.decompress(codec, data, dst, where);
    }

    /** Parses {@code input} (an Arrow IPC file or stream) and lays out the rewritten file. */
    public static Plan plan(MemorySegment input) {
        try {
            return doPlan(input);
        } catch (FrameFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new FrameFormatException("corrupt Arrow metadata: " + e + ", size=" + input.byteSize(), e);
        } catch (StackOverflowError e) {
            throw new FrameFormatException("corrupt Arrow metadata: nesting too deep, size=" + input.byteSize(), e);
        }
    }

    private static Plan doPlan(MemorySegment input) {
        long size = input.byteSize();
        boolean file = ArrowFileLayout.startsWithMagic(input, 0);
        Schema schema;
        List<ArrowReader.Body> bodies = new ArrayList<>();
        if (file) {
            ArrowFileLayout.checkMagic(input);
            int footerLength = input.get(INT, size - ArrowFileLayout.TRAILER_LENGTH);
            long footerEnd = size - ArrowFileLayout.TRAILER_LENGTH;
            if (footerLength <= 0 || footerLength > footerEnd - ArrowFileLayout.HEADER_LENGTH) {
                throw new FrameFormatException("truncated or corrupt Arrow IPC file: footerLength=" + footerLength
                        + ", size=" + size);
            }
            long footerStart = footerEnd - footerLength;
            ByteBuffer bb = ArrowReader.heapCopy(input, footerStart, footerLength);
            Footer footer = Footer.getRootAsFooter(bb);
            ArrowReader.checkVersion(footer.version(), "footer");
            schema = footer.schema();
            if (schema == null) {
                throw new FrameFormatException("corrupt Arrow footer: no schema");
            }
            int nd = ArrowReader.checkCount("dictionary blocks", footer.dictionariesLength(), bb.capacity(), 24);
            for (int i = 0; i < nd; i++) {
                bodies.add(ArrowReader.message(input, footer.dictionaries(i), footerStart, "dictionary block " + i));
            }
            int nb = ArrowReader.checkCount("record batch blocks", footer.recordBatchesLength(), bb.capacity(), 24);
            for (int i = 0; i < nb; i++) {
                bodies.add(ArrowReader.message(input, footer.recordBatches(i), footerStart, "record batch " + i));
            }
        } else {
            schema = null;
            long pos = 0;
            int index = 0;
            while (pos + 4 <= size) {
                int first = input.get(INT, pos);
                int prefix = first == ArrowFileLayout.CONTINUATION ? 8 : 4;
                if (pos + prefix > size) {
                    throw new FrameFormatException("truncated Arrow IPC stream: offset=" + pos + ", size=" + size);
                }
                int metaLen = prefix == 8 ? input.get(INT, pos + 4) : first;
                if (metaLen == 0) {
                    break; // end-of-stream marker
                }
                if (metaLen < 0 || metaLen > ArrowFileLayout.MAX_METADATA_LENGTH) {
                    throw new FrameFormatException("not an Arrow IPC file or stream: message " + index
                            + " has a metadata length out of range: metaLen=" + metaLen + ", offset=" + pos
                            + "; put takes Arrow IPC files (.arrow, .feather v2) and streams");
                }
                checkRange("stream message " + index + " metadata", pos + prefix, metaLen, size);
                Message m = Message.getRootAsMessage(ArrowReader.heapCopy(input, pos + prefix, metaLen));
                ArrowReader.checkVersion(m.version(), "stream message " + index);
                long bodyAt = pos + prefix + metaLen;
                long bodyLength = m.bodyLength();
                checkRange("stream message " + index + " body", bodyAt, bodyLength, size);
                if (index == 0) {
                    if (m.headerType() != MessageHeader.Schema) {
                        throw new FrameFormatException("Arrow IPC stream does not start with a schema: headerType="
                                + MessageHeader.name(m.headerType()));
                    }
                    schema = (Schema) m.header(new Schema());
                } else {
                    bodies.add(new ArrowReader.Body(m, input.asSlice(bodyAt, bodyLength)));
                }
                pos = bodyAt + bodyLength;
                index++;
            }
            if (schema == null) {
                throw new FrameFormatException("empty Arrow IPC stream: no schema message, size=" + size);
            }
        }
        if (schema.endianness() != org.apache.arrow.flatbuf.Endianness.Little) {
            throw new FrameFormatException("big-endian Arrow files are not supported: endianness=big");
        }
        // every column must be one the frame layer reads; fails naming the column and type
        Set<Long> dictionaryIds = new HashSet<>();
        for (int i = 0; i < schema.fieldsLength(); i++) {
            ArrowField f = ArrowReader.field(schema.fields(i), schema.fields(i).name() == null ? "" : schema.fields(i).name(), 0);
            if (f.isDictionary()) {
                dictionaryIds.add(f.dictionaryId());
            }
        }

        byte codec = -1;
        List<Msg> msgs = new ArrayList<>();
        List<Msg> dictionaries = new ArrayList<>();
        List<Msg> batches = new ArrayList<>();
        Set<Long> seenDictionaries = new HashSet<>();
        for (int i = 0; i < bodies.size(); i++) {
            ArrowReader.Body b = bodies.get(i);
            Message m = b.message();
            String where = "message " + i;
            RecordBatch rb;
            switch (m.headerType()) {
                case MessageHeader.RecordBatch -> rb = (RecordBatch) m.header(new RecordBatch());
                case MessageHeader.DictionaryBatch -> {
                    DictionaryBatch db = (DictionaryBatch) m.header(new DictionaryBatch());
                    if (db.isDelta()) {
                        throw new UnsupportedArrowTypeException("dictionary delta batches are not supported: id="
                                + db.id() + "; write the table with unified dictionaries (table.unify_dictionaries())");
                    }
                    if (!dictionaryIds.contains(db.id())) {
                        throw new FrameFormatException("dictionary batch for no column: id=" + db.id());
                    }
                    if (!seenDictionaries.add(db.id())) {
                        throw new UnsupportedArrowTypeException("the stream replaces a dictionary, which an Arrow IPC"
                                + " file cannot hold: id=" + db.id() + "; write it with unified dictionaries"
                                + " (table.unify_dictionaries())");
                    }
                    rb = db.data();
                    if (rb == null) {
                        throw new FrameFormatException("dictionary batch without data: id=" + db.id());
                    }
                }
                case MessageHeader.Schema -> throw new FrameFormatException("a second schema message in the stream: "
                        + where);
                default -> throw new FrameFormatException(where + ": unexpected message: headerType="
                        + MessageHeader.name(m.headerType()));
            }
            BodyCompression comp = rb.compression();
            byte c = -1;
            if (comp != null) {
                c = comp.codec();
                if (c != CompressionType.LZ4_FRAME && c != CompressionType.ZSTD) {
                    throw new CompressedFrameException("unknown compression codec: codec=" + c + ", in " + where);
                }
                codec = c;
            }
            int n = rb.buffersLength();
            long[] so = new long[n];
            long[] sl = new long[n];
            long[] dOff = new long[n];
            long[] dl = new long[n];
            org.apache.arrow.flatbuf.Buffer buf = new org.apache.arrow.flatbuf.Buffer();
            long at = 0;
            for (int k = 0; k < n; k++) {
                rb.buffers(buf, k);
                so[k] = buf.offset();
                sl[k] = buf.length();
                checkRange(where + " buffer " + k, so[k], sl[k], b.body().byteSize());
                long out = sl[k];
                if (c >= 0 && sl[k] > 0) {
                    if (sl[k] < 8) {
                        throw new FrameFormatException(where + " buffer " + k + ": compressed buffer shorter than its"
                                + " length prefix: length=" + sl[k]);
                    }
                    long declared = b.body().get(LONG, so[k]);
                    out = declared == -1 ? sl[k] - 8 : declared;
                    if (out < 0) {
                        throw new FrameFormatException(where + " buffer " + k + ": negative uncompressed length="
                                + declared);
                    }
                }
                dl[k] = out;
                dOff[k] = at;
                at = align(Math.addExact(at, out), ALIGNMENT);
            }
            byte[] meta = metadata(m, rb, dOff, dl, at);
            Msg msg = new Msg(m, b.body(), c, so, sl, dOff, dl, at, meta);
            (m.headerType() == MessageHeader.DictionaryBatch ? dictionaries : batches).add(msg);
        }
        msgs.addAll(dictionaries);
        msgs.addAll(batches);

        byte[] schemaMessage = encapsulate(schemaMessageBytes(schema), ArrowFileLayout.HEADER_LENGTH);
        long pos = ArrowFileLayout.HEADER_LENGTH + schemaMessage.length;
        long[] positions = new long[msgs.size()];
        for (int i = 0; i < msgs.size(); i++) {
            positions[i] = pos;
            pos = Math.addExact(pos, msgs.get(i).metadata.length + msgs.get(i).bodyLength);
        }
        FlatBufferBuilder fb = new FlatBufferBuilder(1024);
        int schemaOff = SchemaCopy.schema(fb, schema);
        Footer.startDictionariesVector(fb, dictionaries.size());
        for (int i = dictionaries.size() - 1; i >= 0; i--) {
            Msg d = dictionaries.get(i);
            Block.createBlock(fb, positions[i], d.metadata.length, d.bodyLength);
        }
        int dictVec = fb.endVector();
        Footer.startRecordBatchesVector(fb, batches.size());
        for (int i = batches.size() - 1; i >= 0; i--) {
            Msg r = batches.get(i);
            Block.createBlock(fb, positions[dictionaries.size() + i], r.metadata.length, r.bodyLength);
        }
        int batchVec = fb.endVector();
        int footerOff = Footer.createFooter(fb, MetadataVersion.V5, schemaOff, dictVec, batchVec, 0);
        fb.finish(footerOff);
        byte[] footer = fb.sizedByteArray();
        long total = Math.addExact(pos + 8 + footer.length, ArrowFileLayout.TRAILER_LENGTH);
        return new Plan(!file, codec, schemaMessage, msgs, positions, footer, total);
    }

    private static byte[] schemaMessageBytes(Schema schema) {
        FlatBufferBuilder fb = new FlatBufferBuilder(1024);
        int s = SchemaCopy.schema(fb, schema);
        int msg = Message.createMessage(fb, MetadataVersion.V5, MessageHeader.Schema, s, 0, 0);
        fb.finish(msg);
        return fb.sizedByteArray();
    }

    /** The Message of a batch with the new buffer layout and no compression. */
    private static byte[] metadata(Message m, RecordBatch rb, long[] offsets, long[] lengths, long bodyLength) {
        FlatBufferBuilder fb = new FlatBufferBuilder(256 + rb.nodesLength() * 16 + offsets.length * 16);
        int batch = batch(fb, rb, offsets, lengths);
        int header;
        if (m.headerType() == MessageHeader.DictionaryBatch) {
            DictionaryBatch db = (DictionaryBatch) m.header(new DictionaryBatch());
            header = DictionaryBatch.createDictionaryBatch(fb, db.id(), batch, false);
        } else {
            header = batch;
        }
        int msg = Message.createMessage(fb, MetadataVersion.V5, m.headerType(), header, bodyLength, 0);
        fb.finish(msg);
        return encapsulate(fb.sizedByteArray(), 0);
    }

    private static int batch(FlatBufferBuilder fb, RecordBatch rb, long[] offsets, long[] lengths) {
        int variadic = 0;
        if (rb.variadicBufferCountsLength() > 0) {
            long[] counts = new long[rb.variadicBufferCountsLength()];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = rb.variadicBufferCounts(i);
            }
            variadic = RecordBatch.createVariadicBufferCountsVector(fb, counts);
        }
        RecordBatch.startNodesVector(fb, rb.nodesLength());
        FieldNode node = new FieldNode();
        for (int i = rb.nodesLength() - 1; i >= 0; i--) {
            rb.nodes(node, i);
            FieldNode.createFieldNode(fb, node.length(), node.nullCount());
        }
        int nodes = fb.endVector();
        RecordBatch.startBuffersVector(fb, offsets.length);
        for (int i = offsets.length - 1; i >= 0; i--) {
            org.apache.arrow.flatbuf.Buffer.createBuffer(fb, offsets[i], lengths[i]);
        }
        int buffers = fb.endVector();
        RecordBatch.startRecordBatch(fb);
        RecordBatch.addLength(fb, rb.length());
        RecordBatch.addNodes(fb, nodes);
        RecordBatch.addBuffers(fb, buffers);
        if (variadic != 0) {
            RecordBatch.addVariadicBufferCounts(fb, variadic);
        }
        return RecordBatch.endRecordBatch(fb);
    }

    /**
     * Frames a flatbuffer as an encapsulated message written at file offset {@code at} (a multiple
     * of 8): continuation, length, bytes, zero padding so the body that follows starts 64-aligned.
     */
    private static byte[] encapsulate(byte[] flatbuffer, long at) {
        long end = align(at + 8 + flatbuffer.length, ALIGNMENT);
        int total = (int) (end - at);
        byte[] out = new byte[total];
        ByteBuffer bb = ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putInt(ArrowFileLayout.CONTINUATION);
        bb.putInt(total - 8);
        bb.put(flatbuffer);
        return out;
    }
}
