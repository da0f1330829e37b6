package io.shm4j.segment;

import java.io.Serializable;
import java.util.Objects;

/**
 * A small serializable name for one incarnation of a segment: what crosses a process
 * boundary instead of the data. It owns nothing; attach it to map the bytes.
 *
 * @param name the segment name in the shm directory
 * @param kind what the bytes hold
 * @param size the size in bytes
 * @param generation the incarnation (0 for foreign segments, which have none)
 */
public record SegmentRef(String name, SegmentKind kind, long size, long generation)
        implements Serializable {
    public SegmentRef {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
    }

    @Override
    public String toString() {
        return "SegmentRef[name=" + name + ", kind=" + kind.label() + ", size=" + size
                + ", generation=" + Long.toHexString(generation) + "]";
    }
}
