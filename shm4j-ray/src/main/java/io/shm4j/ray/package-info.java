/**
 * The Ray backend of {@link io.shm4j.pool.WorkerPool}: the same tasks, functions and
 * {@link io.shm4j.pool.TaskContext} run as tasks of a Ray cluster. See {@link io.shm4j.ray.RayPool}.
 */
package io.shm4j.ray;
