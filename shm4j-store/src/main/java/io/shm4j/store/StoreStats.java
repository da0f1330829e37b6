package io.shm4j.store;

/**
 * A snapshot of a store's use, for {@code shm4j store stats}. Counters count since the
 * store's first opener.
 *
 * @param store the store's name
 * @param capacity the capacity in bytes
 * @param used bytes of objects in memory plus reservations of puts in progress
 * @param pinned bytes of objects pinned by a live process plus reservations
 * @param objects objects in memory
 * @param spilledObjects objects only on disk
 * @param spilledBytesOnDisk bytes of spill files
 * @param members live processes that have the store open
 * @param evictions objects dropped from memory with no copy on disk
 * @param spills objects moved from memory to disk
 * @param restores objects read back from disk
 * @param evictedBytes bytes evicted
 * @param spilledBytes bytes written to spill files
 * @param restoredBytes bytes restored
 */
public record StoreStats(String store, long capacity, long used, long pinned, int objects,
        int spilledObjects, long spilledBytesOnDisk, int members, long evictions, long spills,
        long restores, long evictedBytes, long spilledBytes, long restoredBytes) {}
