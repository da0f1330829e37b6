/**
 * Internals of the frame layer: the Arrow IPC file reader and writer, the pandas metadata and
 * the CSV codec. <b>No compatibility promise:</b> anything here may change in any release.
 */
package io.shm4j.frame.internal;
