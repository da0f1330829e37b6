/**
 * Live datasets: one stable name over a sequence of immutable versions of a shared array or
 * frame. A writer publishes a new version atomically; readers in any process move to it when
 * they choose, and keep reading their old version until then. See {@code docs/dataset.md}.
 */
package io.shm4j.dataset;
