package io.shm4j.pool;

import java.io.Serializable;
import java.util.function.Function;

/**
 * A {@link Function} that can be sent to a worker: what {@link WorkerPool#map map} and its
 * relatives apply to each item. Inside, {@link TaskContext#current()} gives the worker's
 * cached mappings.
 *
 * @param <T> the item type (serializable)
 * @param <R> the result type (serializable)
 */
@FunctionalInterface
public interface SerializableFunction<T, R> extends Function<T, R>, Serializable {}
