/**
 * The benchmark's workloads and their Java strategies (issue 6): A (sum of a large float64
 * array), B (row tasks producing large results), C and D (records: nansum in every worker,
 * per-worker memory). Each workload sets up its data once, runs every strategy on one warm
 * pool per strategy, and returns one {@link io.shm4j.bench.Measurement} per strategy and
 * variant. Internal to the benchmark: no compatibility promise.
 */
package io.shm4j.bench.workload;
