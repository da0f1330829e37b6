/**
 * Implementation of the worker pool: the processes and threads backends, the wire protocol,
 * the worker's main class and its mapping cache. No compatibility promise: use
 * {@code io.shm4j.pool}.
 */
package io.shm4j.pool.internal;
