package io.shm4j.frame.internal;

import java.util.List;
import java.util.Map;

/**
 * An Arrow IPC file as read in place: its schema and, per record batch, one {@link Chunk} per
 * field. Immutable; the chunks view the mapping the caller owns.
 *
 * @param fields the schema's fields, in order
 * @param metadata the schema's custom metadata (for example the {@code pandas} key)
 * @param batches per record batch, one chunk per field
 * @param rows total rows over all batches
 */
public record ArrowFile(List<ArrowField> fields, Map<String, String> metadata, List<Chunk[]> batches,
        long rows) {}
