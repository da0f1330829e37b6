/** Benchmarks of the object store: put vs memory copy, get latency, spill/restore vs disk, vs Ray. */
package io.shm4j.bench.store;
