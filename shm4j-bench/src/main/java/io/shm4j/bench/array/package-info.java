/** Benchmarks of the array layer: sums at memory bandwidth, nansum, creation from Java arrays. */
package io.shm4j.bench.array;
