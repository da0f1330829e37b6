/** Benchmarks of the worker pool: pool start time and empty-task round-trip throughput. */
package io.shm4j.bench.pool;
