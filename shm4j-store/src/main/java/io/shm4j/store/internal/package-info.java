/**
 * The object store's implementation on the segment layer: the per-process client, the
 * cross-process lock, the store directory's files and their layouts, spilling, the built-in
 * codecs. <b>No compatibility promise</b>: anything here may change in any release. Spec:
 * {@code docs/store.md}.
 */
package io.shm4j.store.internal;
