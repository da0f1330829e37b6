/**
 * Parallel tasks over shared data: a {@link io.shm4j.pool.WorkerPool} of worker JVMs (or
 * threads, with the same API) that run serializable {@linkplain io.shm4j.pool.Task tasks}.
 * Shared arguments travel as {@link io.shm4j.segment.SegmentRef refs}, never as data; workers
 * map each segment once and keep the mapping until the caller
 * {@linkplain io.shm4j.pool.WorkerPool#release releases} it.
 *
 * <p>This package holds the API only; the implementation lives in
 * {@code io.shm4j.pool.internal}, which carries no compatibility promise. See
 * {@code docs/pool.md} for the spec.
 */
package io.shm4j.pool;
