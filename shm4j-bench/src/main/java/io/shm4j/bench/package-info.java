/**
 * shm4j's benchmark: every strategy for sharing data with workers, side by side, Java and
 * Python, in one run ({@code shm4j bench}, {@code shm4j demo}). Each figure is the median of
 * several runs with min and max; warm-up, pool start and data creation are reported apart.
 */
package io.shm4j.bench;
