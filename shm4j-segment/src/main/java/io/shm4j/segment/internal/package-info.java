/**
 * Internals of the segment layer: the native door, the metadata codec and the registry of
 * scoped segments. <b>No compatibility promise</b>: anything here may change in any release.
 */
package io.shm4j.segment.internal;
