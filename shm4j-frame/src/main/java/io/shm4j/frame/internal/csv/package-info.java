/**
 * The CSV codec of the frame layer: a parallel, streaming reader that parses chunks of the file
 * straight into column buffers (type inference on a sample, re-typing when a later value
 * contradicts it) and the text forms shared with the writer. <b>No compatibility promise.</b>
 */
package io.shm4j.frame.internal.csv;
