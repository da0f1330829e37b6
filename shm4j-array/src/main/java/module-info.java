/**
 * Typed n-dimensional arrays as NumPy {@code .npy} files in shared memory.
 *
 * <p>The SIMD reductions ({@code VectorKernels}, compiled from the separate {@code src/simd/java}
 * root, loaded reflectively) use the incubating Vector API. On the class path they run whenever
 * the JVM has {@code --add-modules jdk.incubator.vector}, as before. This descriptor does not
 * require that module (the build reads it with {@code --add-reads} for compiling only), so on
 * the module path the kernels fail to link and the scalar kernels serve (same results, slower)
 * unless the JVM also gets {@code --add-reads io.shm4j.array=jdk.incubator.vector}.
 */
module io.shm4j.array {
    requires transitive io.shm4j.segment;

    exports io.shm4j.array;
}
