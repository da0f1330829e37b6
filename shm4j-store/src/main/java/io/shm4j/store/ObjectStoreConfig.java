package io.shm4j.store;

import io.shm4j.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to open a store. Immutable; each {@code with} method returns a new config.
 *
 * <p>The capacity and the spill directory are fixed by the store's <i>first</i> opener; later
 * openers use the store's values (see {@link ObjectStore#capacity()}).
 *
 * @param name the store's name: 1 to 100 of {@code [A-Za-z0-9_-]}; processes meet by name
 * @param shmDirectory the shm directory (default {@link Settings#shmDirectory()})
 * @param capacity the capacity in bytes, or 0 for the default ({@value #DEFAULT_CAPACITY_PERCENT}
 *     % of the shm directory's size)
 * @param spillDirectory where unpinned objects go when memory is short, or null to evict them
 * @param codecs extra codecs, tried before the built-in ones
 */
public record ObjectStoreConfig(String name, Path shmDirectory, long capacity, Path spillDirectory,
        List<ObjectCodec<?>> codecs) {
    /** The default capacity, in percent of the shm directory's size. */
    public static final int DEFAULT_CAPACITY_PERCENT = 30;
    /** The name {@link #defaults()} uses. */
    public static final String DEFAULT_NAME = "shm4j-objects";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,100}");

    public ObjectStoreConfig {
        checkName(name);
        Objects.requireNonNull(shmDirectory, "shmDirectory");
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0 (0: default): capacity=" + capacity);
        }
        codecs = List.copyOf(codecs);
    }

    /** The default store of the current shm directory. */
    public static ObjectStoreConfig defaults() {
        return named(DEFAULT_NAME);
    }

    /** A store by name in the current shm directory, default capacity, no spilling. */
    public static ObjectStoreConfig named(String name) {
        return new ObjectStoreConfig(name, Settings.shmDirectory(), 0, null, List.of());
    }

    /** Checks a store name; returns it. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid store name: name=" + name
                    + "; use 1 to 100 letters, digits, '_' or '-'");
        }
        return name;
    }

    public ObjectStoreConfig withName(String newName) {
        return new ObjectStoreConfig(newName, shmDirectory, capacity, spillDirectory, codecs);
    }

    public ObjectStoreConfig withShmDirectory(Path dir) {
        return new ObjectStoreConfig(name, dir, capacity, spillDirectory, codecs);
    }

    /** Sets the capacity in bytes (0: the default). */
    public ObjectStoreConfig withCapacity(long bytes) {
        return new ObjectStoreConfig(name, shmDirectory, bytes, spillDirectory, codecs);
    }

    /** Spills unpinned objects to {@code dir} (created if needed) instead of evicting them. */
    public ObjectStoreConfig withSpillDirectory(Path dir) {
        return new ObjectStoreConfig(name, shmDirectory, capacity, dir, codecs);
    }

    /** Adds a codec, tried before the built-in ones. */
    public ObjectStoreConfig withCodec(ObjectCodec<?> codec) {
        List<ObjectCodec<?>> all = new ArrayList<>(codecs);
        all.add(Objects.requireNonNull(codec, "codec"));
        return new ObjectStoreConfig(name, shmDirectory, capacity, spillDirectory, all);
    }
}
