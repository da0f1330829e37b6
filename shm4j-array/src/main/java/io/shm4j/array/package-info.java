/**
 * NumPy-compatible n-dimensional arrays in shared memory: a {@link io.shm4j.array.SharedArray}'s
 * segment <i>is</i> a valid {@code .npy} file, so {@code numpy.load(path, mmap_mode="r")} reads it
 * without copying and without shm4j code. See {@code docs/array.md}.
 */
package io.shm4j.array;
