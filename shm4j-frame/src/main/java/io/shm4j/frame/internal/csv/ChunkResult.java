package io.shm4j.frame.internal.csv;

/**
 * What parsing one chunk gave.
 *
 * @param start file offset where its first record began, or -1 when a guessed start found none
 * @param end file offset where the next chunk's first record begins
 * @param rows records parsed
 * @param parts one per column (null when failed)
 * @param error a format error, reported only if the chunk's start proves right
 */
record ChunkResult(long start, long end, int rows, ColumnPart[] parts, ChunkParser.CsvError error) {
    static ChunkResult none() {
        return new ChunkResult(-1, -1, 0, null, null);
    }

    static ChunkResult failed(long start, ChunkParser.CsvError error) {
        return new ChunkResult(start, -1, 0, null, error);
    }
}
