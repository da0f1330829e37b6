package io.shm4j.array;

import java.util.Arrays;

/**
 * What a {@code .npy} header says: format version, element type, shape, memory order and
 * where the data starts. Immutable (the shape is copied in and out).
 *
 * @param majorVersion 1, 2 or 3
 * @param minorVersion 0
 * @param dtype the element type
 * @param shape the dimensions, 0 to {@link NpyLayout#MAX_DIMS} of them
 * @param fortranOrder whether the data is in Fortran (column-major) order
 * @param dataOffset where the data starts, from the start of the file
 * @param recordType the fields of a record array ({@code dtype} {@link DType#RECORD}), else null
 * @param bigEndian whether the data is big-endian (a file {@code put} converts; never a segment)
 */
public record NpyHeader(int majorVersion, int minorVersion, DType dtype, long[] shape,
        boolean fortranOrder, long dataOffset, RecordType recordType, boolean bigEndian) {
    public NpyHeader {
        shape = shape.clone();
        if ((dtype == DType.RECORD) != (recordType != null)) {
            throw new IllegalArgumentException("a record dtype needs a record type, and only it: dtype=" + dtype);
        }
    }

    /** A little-endian header of a plain (non-record) type. */
    public NpyHeader(int majorVersion, int minorVersion, DType dtype, long[] shape, boolean fortranOrder,
            long dataOffset) {
        this(majorVersion, minorVersion, dtype, shape, fortranOrder, dataOffset, null, false);
    }

    /** Bytes per element: the type's, or the record's. */
    public int itemSize() {
        return recordType != null ? recordType.itemSize() : dtype.itemSize();
    }

    /** The type as NumPy names it: {@code float64}, or a record's fields. */
    public String typeName() {
        return recordType != null ? "record" + recordType.describe() : dtype.numpyName();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions. */
    public int ndim() {
        return shape.length;
    }

    /** Number of elements (1 for a 0-d array). */
    public long elementCount() {
        return NpyLayout.elementCount(shape);
    }

    /** Bytes of data after the header. */
    public long dataBytes() {
        return elementCount() * itemSize();
    }

    /** The size of the whole file: header plus data. */
    public long fileSize() {
        return dataOffset + dataBytes();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && h.majorVersion == majorVersion && h.minorVersion == minorVersion
                && h.dtype == dtype && Arrays.equals(h.shape, shape) && h.fortranOrder == fortranOrder
                && h.dataOffset == dataOffset && java.util.Objects.equals(h.recordType, recordType)
                && h.bigEndian == bigEndian;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape) * 31 + dtype.hashCode() + Long.hashCode(dataOffset) + (fortranOrder ? 1 : 0);
    }

    @Override
    public String toString() {
        return "NpyHeader[version=" + majorVersion + "." + minorVersion + ", dtype=" + typeName()
                + (bigEndian ? " big-endian" : "") + ", shape="
                + NpyLayout.shapeString(shape) + ", order=" + (fortranOrder ? "F" : "C")
                + ", dataOffset=" + dataOffset + "]";
    }
}
