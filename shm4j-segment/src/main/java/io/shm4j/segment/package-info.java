/** Named shared-memory segments: files in a tmpfs, mapped with the FFM API. */
package io.shm4j.segment;
