package io.shm4j.frame.internal;

import com.google.flatbuffers.FlatBufferBuilder;
import io.shm4j.frame.UnsupportedArrowTypeException;
import org.apache.arrow.flatbuf.Binary;
import org.apache.arrow.flatbuf.BinaryView;
import org.apache.arrow.flatbuf.Bool;
import org.apache.arrow.flatbuf.Date;
import org.apache.arrow.flatbuf.Decimal;
import org.apache.arrow.flatbuf.DictionaryEncoding;
import org.apache.arrow.flatbuf.Duration;
import org.apache.arrow.flatbuf.Field;
import org.apache.arrow.flatbuf.FixedSizeBinary;
import org.apache.arrow.flatbuf.FloatingPoint;
import org.apache.arrow.flatbuf.Int;
import org.apache.arrow.flatbuf.KeyValue;
import org.apache.arrow.flatbuf.LargeBinary;
import org.apache.arrow.flatbuf.LargeList;
import org.apache.arrow.flatbuf.LargeUtf8;
import org.apache.arrow.flatbuf.Null;
import org.apache.arrow.flatbuf.Schema;
import org.apache.arrow.flatbuf.Struct_;
import org.apache.arrow.flatbuf.Time;
import org.apache.arrow.flatbuf.Timestamp;
import org.apache.arrow.flatbuf.Type;
import org.apache.arrow.flatbuf.Utf8;
import org.apache.arrow.flatbuf.Utf8View;

/**
 * Copies an Arrow {@link Schema} flatbuffer table into a new builder: fields (recursively), their
 * types, dictionary encodings and custom metadata, and the schema's metadata (the pandas
 * metadata among it). Covers the types {@link ArrowReader} accepts; the caller has checked the
 * schema with it first. Stateless.
 */
final class SchemaCopy {
    private SchemaCopy() {}

    static int schema(FlatBufferBuilder b, Schema s) {
        int[] fields = new int[s.fieldsLength()];
        for (int i = 0; i < fields.length; i++) {
            fields[i] = field(b, s.fields(i));
        }
        int fieldVec = Schema.createFieldsVector(b, fields);
        int meta = 0;
        if (s.customMetadataLength() > 0) {
            int[] kvs = new int[s.customMetadataLength()];
            for (int i = 0; i < kvs.length; i++) {
                kvs[i] = keyValue(b, s.customMetadata(i));
            }
            meta = Schema.createCustomMetadataVector(b, kvs);
        }
        return Schema.createSchema(b, s.endianness(), fieldVec, meta, 0);
    }

    private static int keyValue(FlatBufferBuilder b, KeyValue kv) {
        int k = kv.key() == null ? 0 : b.createString(kv.key());
        int v = kv.value() == null ? 0 : b.createString(kv.value());
        return KeyValue.createKeyValue(b, k, v);
    }

    private static int field(FlatBufferBuilder b, Field f) {
        int name = f.name() == null ? 0 : b.createString(f.name());
        byte tt = f.typeType();
        int type = type(b, f, tt);
        int dictionary = 0;
        DictionaryEncoding de = f.dictionary();
        if (de != null) {
            Int idx = de.indexType();
            int index = idx == null ? 0 : Int.createInt(b, idx.bitWidth(), idx.isSigned());
            dictionary = DictionaryEncoding.createDictionaryEncoding(b, de.id(), index, de.isOrdered(),
                    de.dictionaryKind());
        }
        int[] kids = new int[f.childrenLength()];
        for (int i = 0; i < kids.length; i++) {
            kids[i] = field(b, f.children(i));
        }
        int children = Field.createChildrenVector(b, kids);
        int meta = 0;
        if (f.customMetadataLength() > 0) {
            int[] kvs = new int[f.customMetadataLength()];
            for (int i = 0; i < kvs.length; i++) {
                kvs[i] = keyValue(b, f.customMetadata(i));
            }
            meta = Field.createCustomMetadataVector(b, kvs);
        }
        return Field.createField(b, name, f.nullable(), tt, type, dictionary, children, meta);
    }

    private static int type(FlatBufferBuilder b, Field f, byte tt) {
        switch (tt) {
            case Type.Int -> {
                Int t = (Int) f.type(new Int());
                return Int.createInt(b, t.bitWidth(), t.isSigned());
            }
            case Type.FloatingPoint -> {
                FloatingPoint t = (FloatingPoint) f.type(new FloatingPoint());
                return FloatingPoint.createFloatingPoint(b, t.precision());
            }
            case Type.Timestamp -> {
                Timestamp t = (Timestamp) f.type(new Timestamp());
                int tz = t.timezone() == null ? 0 : b.createString(t.timezone());
                return Timestamp.createTimestamp(b, t.unit(), tz);
            }
            case Type.Date -> {
                return Date.createDate(b, ((Date) f.type(new Date())).unit());
            }
            case Type.Time -> {
                Time t = (Time) f.type(new Time());
                return Time.createTime(b, t.unit(), t.bitWidth());
            }
            case Type.Duration -> {
                return Duration.createDuration(b, ((Duration) f.type(new Duration())).unit());
            }
            case Type.Decimal -> {
                Decimal t = (Decimal) f.type(new Decimal());
                return Decimal.createDecimal(b, t.precision(), t.scale(), t.bitWidth());
            }
            case Type.FixedSizeBinary -> {
                return FixedSizeBinary.createFixedSizeBinary(b, ((FixedSizeBinary) f.type(new FixedSizeBinary())).byteWidth());
            }
            case Type.Bool -> {
                Bool.startBool(b);
                return Bool.endBool(b);
            }
            case Type.Null -> {
                Null.startNull(b);
                return Null.endNull(b);
            }
            case Type.Utf8 -> {
                Utf8.startUtf8(b);
                return Utf8.endUtf8(b);
            }
            case Type.LargeUtf8 -> {
                LargeUtf8.startLargeUtf8(b);
                return LargeUtf8.endLargeUtf8(b);
            }
            case Type.Utf8View -> {
                Utf8View.startUtf8View(b);
                return Utf8View.endUtf8View(b);
            }
            case Type.Binary -> {
                Binary.startBinary(b);
                return Binary.endBinary(b);
            }
            case Type.LargeBinary -> {
                LargeBinary.startLargeBinary(b);
                return LargeBinary.endLargeBinary(b);
            }
            case Type.BinaryView -> {
                BinaryView.startBinaryView(b);
                return BinaryView.endBinaryView(b);
            }
            case Type.List -> {
                org.apache.arrow.flatbuf.List.startList(b);
                return org.apache.arrow.flatbuf.List.endList(b);
            }
            case Type.LargeList -> {
                LargeList.startLargeList(b);
                return LargeList.endLargeList(b);
            }
            case Type.Struct_ -> {
                Struct_.startStruct_(b);
                return Struct_.endStruct_(b);
            }
            default -> throw new UnsupportedArrowTypeException("cannot copy Arrow type: type="
                    + (tt >= 0 && tt < Type.names.length ? Type.names[tt] : "type " + tt) + ", column=" + f.name());
        }
    }
}
