package io.shm4j.frame.internal.csv;

import java.lang.foreign.MemorySegment;

/**
 * One column of one parsed chunk, in native scratch memory until the frame is written.
 *
 * @param kind what the values are ({@link Kind})
 * @param rows values
 * @param nullCount nulls among them
 * @param values 8 bytes per row (int64, float64, days, ns, us), a bitmap (bool), UTF-8 bytes
 *     (string), or null ({@link Kind#NULL})
 * @param offsets int32 offsets into {@code values} (strings only), {@code rows + 1} of them
 * @param validity validity bitmap, or null when there are no nulls
 * @param naive some timestamp had no offset
 * @param offsets0 the first offset seen (seconds), when {@code withOffset}
 * @param withOffset some timestamp had an offset
 * @param mixedOffsets timestamps had different offsets
 * @param datesOutsideNanos some date lies outside 1677–2262
 */
record ColumnPart(byte kind, int rows, int nullCount, MemorySegment values, MemorySegment offsets,
        MemorySegment validity, boolean naive, int offsets0, boolean withOffset, boolean mixedOffsets,
        boolean datesOutsideNanos) {}
