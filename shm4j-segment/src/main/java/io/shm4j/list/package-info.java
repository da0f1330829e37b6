/**
 * Small shared values: {@link io.shm4j.list.SharedList}, a fixed-length list of mixed scalars
 * in exactly the layout of CPython's {@code multiprocessing.shared_memory.ShareableList}, so
 * that Java and Python processes read and update the same list.
 */
package io.shm4j.list;
