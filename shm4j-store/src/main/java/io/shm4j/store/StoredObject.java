package io.shm4j.store;

import io.shm4j.segment.ProcessIdentity;
import java.time.Instant;
import java.util.List;

/**
 * One object of a store as listed by {@code shm4j ls}: a snapshot.
 *
 * @param name the object's segment name
 * @param size its size in bytes
 * @param codec its codec id ({@code ?} while a put is completing)
 * @param pins the live processes that pin it
 * @param inMemory whether it is in the shm directory (else only in the spill directory)
 * @param spillCopy whether a spill file holds it
 * @param lastAccess the last put or get (for spilled objects: when spilled)
 */
public record StoredObject(String name, long size, String codec, List<ProcessIdentity> pins,
        boolean inMemory, boolean spillCopy, Instant lastAccess) {
    public StoredObject {
        pins = List.copyOf(pins);
    }
}
