/**
 * Internals of the array layer: the reduction and copy kernels and the strided-line walker.
 * <b>No compatibility promise</b>: anything here may change in any release.
 */
package io.shm4j.array.internal;
