package io.shm4j.store;

import java.io.Serializable;
import java.util.Objects;

/**
 * A small serializable name for one object of an {@link ObjectStore}: what crosses a process
 * boundary (a task argument or result, a message) instead of the data. It owns nothing and
 * pins nothing; {@link ObjectStore#get} pins the object in the calling process.
 *
 * <p>Immutable and thread-safe. The type parameter is the type {@code get} returns; it is not
 * checked across processes (the {@link #codec()} is).
 *
 * @param <T> the value type {@code get} returns
 * @param store the store's name
 * @param name the object's segment name in the shm directory ({@code STORE.<32 hex>})
 * @param generation the object's random incarnation number (kept across spill and restore)
 * @param size the encoded size in bytes
 * @param codec the id of the codec that encoded it ({@code blob}, {@code bytes}, {@code java}, ...)
 */
public record ObjectRef<T>(String store, String name, long generation, long size, String codec)
        implements Serializable {
    public ObjectRef {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(codec, "codec");
        if (size < 0) {
            throw new IllegalArgumentException("object size must be >= 0: size=" + size);
        }
    }

    @Override
    public String toString() {
        return "ObjectRef[name=" + name + ", size=" + size + ", codec=" + codec + ", generation="
                + Long.toHexString(generation) + "]";
    }
}
