package io.shm4j.array;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class NpyLayoutTest {

    /** A file: the header NumPy would write for {@code dict}, followed by {@code dataBytes} zero bytes. */
    static byte[] file(String dict, long dataBytes) {
        return file(1, dict, dataBytes);
    }

    static byte[] file(int major, String dict, long dataBytes) {
        byte[] text = dict.getBytes(StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        int hlen = text.length + 1;
        int padded = hlen + (64 - (prefix + hlen) % 64);
        byte[] out = new byte[(int) (prefix + padded + dataBytes)];
        System.arraycopy(NpyLayout.MAGIC, 0, out, 0, 6);
        out[6] = (byte) major;
        if (major == 1) {
            out[8] = (byte) padded;
            out[9] = (byte) (padded >> 8);
        } else {
            out[8] = (byte) padded;
            out[9] = (byte) (padded >> 8);
        }
        System.arraycopy(text, 0, out, prefix, text.length);
        for (int i = prefix + text.length; i < prefix + padded - 1; i++) {
            out[i] = ' ';
        }
        out[prefix + padded - 1] = '\n';
        return out;
    }

    static NpyHeader decode(byte[] bytes) {
        return NpyLayout.decode(MemorySegment.ofArray(bytes));
    }

    @Test
    void shouldWriteTheHeaderNumpyWritesForA2dFloat64Array() {
        byte[] h = NpyLayout.encode(DType.FLOAT64, new long[] {2, 3}, false);
        String text = new String(h, 10, h.length - 10, StandardCharsets.ISO_8859_1);
        assertThat(h.length % 64).isZero();
        assertThat(h[6]).isEqualTo((byte) 1);
        assertThat(text).startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }")
                .endsWith(" \n");
        // NumPy 2.4: b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', ..." - header length 0x76
        assertThat(h[8]).isEqualTo((byte) 0x76);
        assertThat(h[9]).isZero();
    }

    @Test
    void shouldWriteTupleReprForScalarAndVectorShapes() {
        assertThat(NpyLayout.shapeString(new long[0])).isEqualTo("()");
        assertThat(NpyLayout.shapeString(new long[] {5})).isEqualTo("(5,)");
        assertThat(NpyLayout.shapeString(new long[] {5, 0, 1})).isEqualTo("(5, 0, 1)");
    }

    @Property(tries = 200)
    void shouldDecodeWhatItEncodes(@ForAll("dtypes") DType t, @ForAll("shapes") long[] shape,
            @ForAll boolean fortran) {
        byte[] head = NpyLayout.encode(t, shape, fortran);
        long n = NpyLayout.elementCount(shape) * t.itemSize();
        byte[] whole = new byte[(int) (head.length + n)];
        System.arraycopy(head, 0, whole, 0, head.length);
        NpyHeader h = decode(whole);
        assertThat(h.dtype()).isEqualTo(t);
        assertThat(h.shape()).isEqualTo(shape);
        assertThat(h.fortranOrder()).isEqualTo(fortran);
        assertThat(h.dataOffset()).isEqualTo(head.length).matches(o -> o % 64 == 0);
    }

    @Provide
    Arbitrary<DType> dtypes() {
        return Arbitraries.of(DType.class).filter(t -> t != DType.RECORD);
    }

    /** Whether a Java primitive array holds this type's elements (not complex, not records). */
    static boolean hasJavaArray(DType t) {
        return t.kind() != DType.Kind.COMPLEX && t != DType.RECORD;
    }

    @Provide
    Arbitrary<long[]> shapes() {
        return Arbitraries.longs().between(0, 3).array(long[].class).ofMinSize(0).ofMaxSize(32);
    }

    @Test
    void shouldReadVersion2And3Headers() {
        assertThat(decode(file(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", 12)).majorVersion())
                .isEqualTo(2);
        assertThat(decode(file(3, "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", 12)).majorVersion())
                .isEqualTo(3);
    }

    @Test
    void shouldAcceptKeysInAnyOrderDoubleQuotesAndPython2Longs() {
        NpyHeader h = decode(file("{\"shape\": (2L, 1L), \"fortran_order\": True, \"descr\": \"|u1\"}", 2));
        assertThat(h.shape()).containsExactly(2, 1);
        assertThat(h.fortranOrder()).isTrue();
        assertThat(h.dtype()).isEqualTo(DType.UINT8);
    }

    @Test
    void shouldRejectBadMagic() {
        byte[] f = file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8);
        f[1] = 'X';
        assertThatThrownBy(() -> decode(f)).isInstanceOf(NpyFormatException.class).hasMessageContaining("magic");
    }

    @Test
    void shouldRejectAnUnknownVersion() {
        byte[] f = file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8);
        f[6] = 4;
        assertThatThrownBy(() -> decode(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("version=4.0");
    }

    @Test
    void shouldRejectTruncatedHeader() {
        byte[] f = file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", 8);
        assertThatThrownBy(() -> decode(java.util.Arrays.copyOf(f, 40))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> decode(java.util.Arrays.copyOf(f, 7))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void shouldRejectTruncatedData() {
        byte[] f = file("{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }", 79);
        assertThatThrownBy(() -> decode(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("truncated").hasMessageContaining("actual=" + f.length);
    }

    @Test
    void shouldRejectAShapeThatDoesNotMatchTheFileSize() {
        byte[] f = file("{'descr': '<f8', 'fortran_order': False, 'shape': (10,), }", 88);
        assertThatThrownBy(() -> decode(f)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("does not match the file size");
    }

    @Test
    void shouldRejectObjectDtype() {
        assertThatThrownBy(() -> decode(file("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8)))
                .isInstanceOf(UnsupportedDTypeException.class).hasMessageContaining("object dtype");
    }

    @Test
    void shouldRejectBigEndianData() {
        assertThatThrownBy(() -> decode(file("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", 8)))
                .isInstanceOf(UnsupportedDTypeException.class).hasMessageContaining("big-endian");
    }

    @Test
    void shouldAcceptSingleByteTypesWithAnyByteOrderMark() {
        assertThat(decode(file("{'descr': '>i1', 'fortran_order': False, 'shape': (1,), }", 1)).dtype())
                .isEqualTo(DType.INT8);
    }

    @Test
    void shouldDecodeStructuredDtypesAndEncodeThemAsNumpyDoes() {
        String dict = "{'descr': [('a', '<f8'), ('', '|V4'), ('b', '<i4'), ('s', '|S3'), ('', '|V1')], 'fortran_order': False, 'shape': (1,), }";
        NpyHeader h = decode(file(dict, 20));
        assertThat(h.dtype()).isEqualTo(DType.RECORD);
        assertThat(h.recordType().itemSize()).isEqualTo(20);
        assertThat(h.recordType().field("b").offset()).isEqualTo(12);
        assertThat(h.recordType().field("s").size()).isEqualTo(3);
        assertThat(h.recordType().descrLiteral()).isEqualTo("[('a', '<f8'), ('', '|V4'), ('b', '<i4'), ('s', '|S3'), ('', '|V1')]");
        assertThat(new String(NpyLayout.encode(h.recordType(), new long[] {1}, false), java.nio.charset.StandardCharsets.ISO_8859_1))
                .contains(dict.substring(0, dict.length() - 2));
        assertThatThrownBy(() -> decode(file("{'descr': [('a', '<f8'), ('a', '<i4')], 'fortran_order': False, 'shape': (1,), }", 12)))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("unique");
        assertThatThrownBy(() -> decode(file("{'descr': [('a', '<f8', (2,))], 'fortran_order': False, 'shape': (1,), }", 16)))
                .isInstanceOf(UnsupportedDTypeException.class).hasMessageContaining("subarray");
        assertThatThrownBy(() -> decode(file("{'descr': [('a', [('b', '<f8')])], 'fortran_order': False, 'shape': (1,), }", 8)))
                .isInstanceOf(UnsupportedDTypeException.class).hasMessageContaining("nested");
        assertThatThrownBy(() -> decode(file("{'descr': [], 'fortran_order': False, 'shape': (1,), }", 8)))
                .isInstanceOf(UnsupportedDTypeException.class);
    }

    @Test
    void shouldRejectUnsupportedTypesNamingThem() {
        assertThatThrownBy(() -> decode(file("{'descr': '<c32', 'fortran_order': False, 'shape': (1,), }", 32)))
                .isInstanceOf(UnsupportedDTypeException.class).hasMessageContaining("descr=<c32");
        assertThatThrownBy(() -> decode(file("{'descr': '<M8[h]', 'fortran_order': False, 'shape': (1,), }", 8)))
                .isInstanceOf(UnsupportedDTypeException.class);
    }

    @Test
    void shouldRejectMissingOrExtraKeys() {
        assertThatThrownBy(() -> decode(file("{'descr': '<f8', 'shape': (1,), }", 8)))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("keys");
        assertThatThrownBy(() -> decode(file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", 8)))
                .isInstanceOf(NpyFormatException.class);
    }

    @Test
    void shouldRejectUnparsableHeaders() {
        assertThatThrownBy(() -> decode(file("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", 8)))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("cannot parse");
        assertThatThrownBy(() -> decode(file("not a dict", 0))).isInstanceOf(NpyFormatException.class);
        assertThatThrownBy(() -> decode(file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)", 8)))
                .isInstanceOf(NpyFormatException.class);
    }

    @Test
    void shouldRejectShapesWhoseSizeOverflows() {
        assertThatThrownBy(() -> decode(file(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 8)))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("too large");
    }

    @Test
    void shouldRejectMoreThan32Dimensions() {
        assertThatThrownBy(() -> NpyLayout.encode(DType.INT8, new long[33], false))
                .isInstanceOf(ShapeException.class).hasMessageContaining("ndim=33");
    }
}
