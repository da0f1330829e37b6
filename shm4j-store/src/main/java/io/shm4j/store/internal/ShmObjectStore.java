package io.shm4j.store.internal;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.store.MappedCodec;
import io.shm4j.store.ObjectCodec;
import io.shm4j.store.ObjectRef;
import io.shm4j.store.ObjectStore;
import io.shm4j.store.ObjectStoreException;
import io.shm4j.store.StoreStats;
import io.shm4j.store.StoredObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An {@link ObjectStore} handle: the codecs it was opened with and the holds it took, over
 * the process's shared {@link StoreClient}.
 *
 * <p>Thread-safe. Ownership: the caller closes it; close releases this handle's holds.
 */
final class ShmObjectStore implements ObjectStore {
    private static final List<ObjectCodec<?>> BUILT_IN = List.of(new BlobCodec(), new BytesCodec(), new ArrayCodec(),
            new FrameCodec(), new JavaCodec());

    private static final ProcessIdentity SELF = ProcessIdentity.current();

    private final StoreClient client;
    private final List<ObjectCodec<?>> codecs;
    private final Map<String, Integer> holds = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    ShmObjectStore(StoreClient client, List<ObjectCodec<?>> extra) {
        this.client = client;
        List<ObjectCodec<?>> all = new ArrayList<>(extra);
        all.addAll(BUILT_IN);
        this.codecs = List.copyOf(all);
    }

    @Override
    public String name() {
        return client.store();
    }

    @Override
    public long capacity() {
        return client.capacity();
    }

    @Override
    public <T> ObjectRef<T> put(T value) {
        return put(value, codecFor(value));
    }

    @Override
    public <T> ObjectRef<T> put(T value, ObjectCodec<T> codec) {
        checkOpen();
        ObjectRef<T> ref = client.put(codec.encode(value), codec.id(), SELF, false, builtIn(codec));
        holds.merge(ref.name(), 1, Integer::sum);
        return ref;
    }

    @Override
    public <T> ObjectRef<T> putFor(T value, ProcessIdentity pinner) {
        checkOpen();
        ObjectCodec<T> codec = codecFor(value);
        return client.put(codec.encode(value), codec.id(), pinner, true, builtIn(codec));
    }

    @Override
    public ObjectRef<SharedArray> putArray(DType dtype, long[] shape, Object javaArray) {
        checkOpen();
        ObjectRef<SharedArray> ref = client.put(ArrayCodec.encodeJava(dtype, shape, javaArray), ArrayCodec.ID,
                SELF, false, true);
        holds.merge(ref.name(), 1, Integer::sum);
        return ref;
    }

    /**
     * Whether the codec is one of the built-in ones, which write every byte of the object (so
     * recycled pages need no zeroing first); see docs/store.md, "page stock".
     */
    private static boolean builtIn(ObjectCodec<?> codec) {
        for (ObjectCodec<?> c : BUILT_IN) {
            if (c == codec) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private <T> ObjectCodec<T> codecFor(T value) {
        for (ObjectCodec<?> c : codecs) {
            if (c.accepts(value)) {
                return (ObjectCodec<T>) c;
            }
        }
        throw new ObjectStoreException("no codec for value: type=" + (value == null ? "null" : value.getClass().getName())
                + ", codecs=" + ids() + "; put a MemorySegment, a byte[], a SharedArray, a SharedFrame or a"
                + " Serializable, or add a codec with ObjectStoreConfig.withCodec");
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public <T> T get(ObjectRef<T> ref) {
        checkOpen();
        ObjectCodec<T> codec = (ObjectCodec<T>) codec(ref.codec());
        var segment = client.acquire(ref);
        holds.merge(ref.name(), 1, Integer::sum);
        T value;
        try {
            value = codec instanceof MappedCodec mapped ? (T) client.value(ref, mapped) : codec.decode(segment.memory());
        } catch (RuntimeException e) {
            release(ref);
            throw e;
        }
        if (codec.decodesToCopy()) {
            release(ref); // a copy refers to nothing shared: the get leaves no hold behind
        }
        return value;
    }

    @Override
    public boolean contains(ObjectRef<?> ref) {
        checkOpen();
        return client.contains(ref);
    }

    @Override
    public void release(ObjectRef<?> ref) {
        boolean[] had = new boolean[1];
        holds.computeIfPresent(ref.name(), (k, n) -> {
            had[0] = true;
            return n > 1 ? n - 1 : null;
        });
        if (had[0]) {
            client.release(ref.name(), 1);
        } else if (!closed.get()) {
            client.releaseLoose(ref.name());
        }
    }

    @Override
    public StoreStats stats() {
        checkOpen();
        return client.stats();
    }

    @Override
    public List<StoredObject> objects() {
        checkOpen();
        return client.objects();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            for (String name : List.copyOf(holds.keySet())) {
                Integer n = holds.remove(name);
                if (n != null) {
                    client.release(name, n);
                }
            }
        } finally {
            client.closed(this);
        }
    }

    private ObjectCodec<?> codec(String id) {
        for (ObjectCodec<?> c : codecs) {
            if (c.id().equals(id)) {
                return c;
            }
        }
        throw new ObjectStoreException("unknown codec: codec=" + id + ", known=" + ids()
                + "; open the store with ObjectStoreConfig.withCodec(...) for this codec");
    }

    private List<String> ids() {
        return codecs.stream().map(ObjectCodec::id).toList();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new ObjectStoreException("object store handle is closed: store=" + client.store()
                    + "; open it again with ObjectStore.open");
        }
    }

    @Override
    public String toString() {
        return "ObjectStore[name=" + client.store() + ", capacity=" + client.capacity()
                + (client.spillRoot() != null ? ", spill=" + client.spillRoot() : "")
                + (closed.get() ? ", closed" : "") + "]";
    }
}
