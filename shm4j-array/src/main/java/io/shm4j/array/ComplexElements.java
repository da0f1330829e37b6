package io.shm4j.array;

import io.shm4j.array.internal.Kernels;

/**
 * The elements of a complex64 or complex128 array ({@link SharedArray#complexes()}): real and
 * imaginary parts, read and written in place (NumPy's layout: real part, then imaginary part,
 * each a float32 or float64). Plain access only; complex numbers have no atomic operations.
 *
 * <p><b>Threading:</b> as the array. <b>Ownership:</b> none; valid while the array is open
 * (after it, access throws {@link IllegalStateException}, never a crash).
 */
public final class ComplexElements {
    private final SharedArray array;
    private final boolean single;

    ComplexElements(SharedArray array) {
        if (array.dtype().kind() != DType.Kind.COMPLEX) {
            throw array.mismatch("complexes()");
        }
        this.array = array;
        this.single = array.dtype() == DType.COMPLEX64;
    }

    /** The array these elements belong to. */
    public SharedArray array() {
        return array;
    }

    /** The real part of an element. */
    public double real(long... index) {
        long off = array.byteOffset(index);
        return single ? array.data.get(Kernels.F32, off) : array.data.get(Kernels.F64, off);
    }

    /** The imaginary part of an element. */
    public double imag(long... index) {
        long off = array.byteOffset(index);
        return single ? array.data.get(Kernels.F32, off + 4) : array.data.get(Kernels.F64, off + 8);
    }

    /** Sets an element (complex64 rounds each part to float32). */
    public void set(double real, double imag, long... index) {
        if (!array.isWritable()) {
            throw array.readOnlyError();
        }
        long off = array.byteOffset(index);
        if (single) {
            array.data.set(Kernels.F32, off, (float) real);
            array.data.set(Kernels.F32, off + 4, (float) imag);
        } else {
            array.data.set(Kernels.F64, off, real);
            array.data.set(Kernels.F64, off + 8, imag);
        }
    }

    /** An element as NumPy prints it: {@code (1+2j)}. */
    public String format(long... index) {
        return NumpyText.complex(real(index), imag(index), single);
    }
}
