/**
 * The object store's public API: {@link io.shm4j.store.ObjectStore#put put} a value, get an
 * {@link io.shm4j.store.ObjectRef} to send to any process on the host, {@code get} it there —
 * zero-copy where the codec allows. Interfaces, records and exceptions only; the
 * implementation lives in {@code io.shm4j.store.internal}. Spec: {@code docs/store.md}.
 */
package io.shm4j.store;
