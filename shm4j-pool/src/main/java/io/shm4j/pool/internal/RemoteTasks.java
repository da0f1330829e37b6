package io.shm4j.pool.internal;

import io.shm4j.pool.SerializableFunction;
import io.shm4j.pool.Task;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.SegmentRef;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an engine backend outside this module (Ray) needs to run pool tasks: the encoding of
 * tasks, functions and items on the caller's side, a {@link Worker} that runs them in a worker
 * process over the same mapping cache, leases and store handles as the processes backend, and
 * the decoding of its answers. Engines move only the {@code byte[]}s.
 *
 * <pre>
 *  answer: status u8 (0 ok, 1 error) | taskId i64 | pid i64 | runNanos i64
 *          | ok:    encoded value ({@link Values})
 *          | error: class utf | message utf | frames i32 | frames x (class, method, file utf, line i32)
 *                   | throwable length i32 | serialized throwable (0 bytes if it cannot be)
 *          | published count i32 | count x SegmentRef
 * </pre>
 *
 * <p>No compatibility promise: the format may change with any release (both ends run the same
 * jar). Stateless static methods are thread-safe; see {@link Worker} for its own contract.
 */
public final class RemoteTasks {
    private RemoteTasks() {}

    /** Java-serializes a task; throws {@link io.shm4j.pool.TaskNotSerializableException}. */
    public static byte[] encodeTask(Task<?> task) {
        return Values.serialize(task, "task");
    }

    /** Java-serializes a function; throws {@link io.shm4j.pool.TaskNotSerializableException}. */
    public static byte[] encodeFunction(SerializableFunction<?, ?> fn) {
        return Values.serialize(fn, "function");
    }

    /** Encodes an item ({@link Values}). */
    public static byte[] encodeItem(Object item) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(b)) {
            Values.encode(item, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** Decodes a value encoded with {@link #encodeItem} or returned in an answer. */
    public static Object decodeValue(byte[] bytes) throws IOException {
        return Values.decode(new DataInputStream(new ByteArrayInputStream(bytes)));
    }

    /**
     * A decoded answer.
     *
     * @param taskId the task's id
     * @param pid the worker's pid
     * @param runNanos how long the task ran
     * @param value the result (null on failure)
     * @param failure the task's exception, or null: deserialized, else a {@link io.shm4j.pool.RemoteException}
     *     with the worker's stack trace
     * @param error the class and message of the failure, for messages ("" on success)
     * @param published the result segments the task published for the caller
     */
    public record Answer(long taskId, long pid, long runNanos, Object value, Throwable failure, String error,
            List<SegmentRef> published) {}

    /** Decodes an answer of {@link Worker#run}. */
    public static Answer decodeAnswer(byte[] answer) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(answer));
        int status = in.readUnsignedByte();
        long taskId = in.readLong();
        long pid = in.readLong();
        long nanos = in.readLong();
        Object value = null;
        Throwable failure = null;
        String error = "";
        if (status == 0) {
            value = Values.decode(in);
        } else {
            Values.Failure f = Values.readFailure(in);
            failure = f.cause();
            error = f.summary();
        }
        int n = in.readInt();
        List<SegmentRef> published = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            published.add(Values.readRef(in));
        }
        return new Answer(taskId, pid, nanos, value, failure, error, published);
    }

    /**
     * Removes result segments nobody will take (they were published for this process and never
     * adopted): the answer of a cancelled task, or of one whose batch failed.
     */
    public static void discard(List<SegmentRef> published) {
        TaskFuture.discard(published);
    }

    /**
     * Maps a ref of the caller's node to the ref of a local copy, on a worker of another node
     * (an engine's node cache); throws if {@code access} cannot be given there (a write to a
     * copy would not reach the caller).
     */
    @FunctionalInterface
    public interface RefResolver {
        /** The ref of the local copy of {@code ref}. */
        SegmentRef resolve(SegmentRef ref, io.shm4j.segment.Access access);
    }

    /**
     * The worker side: runs tasks over one mapping cache and one set of store connections, kept
     * across tasks for the life of the worker process (mapped once per worker, as in the
     * processes backend). Functions are deserialized once per key and kept in a small cache.
     *
     * <p>Thread-safe: tasks may run on several threads; each task's leases and store handles are
     * its own. Owned by the worker process; {@link #close()} unmaps everything.
     */
    public static final class Worker implements AutoCloseable {
        private static final int MAX_FUNCTIONS = 64;
        private final MappingCache cache = new MappingCache();
        private final StoreHandles storeHandles = new StoreHandles();
        private final Map<String, SerializableFunction<Object, Object>> functions = new ConcurrentHashMap<>();

        /** A worker with no mappings yet. */
        public Worker() {}

        /**
         * Runs one task and returns its answer; never throws for a failure of the task (the answer
         * carries it).
         *
         * @param caller the process the task's results belong to
         * @param taskId the task's id in its pool
         * @param slot the worker index the task sees
         * @param fnKey the key of {@code fn} in this worker's function cache (unique per function
         *     and caller), or null when {@code payload} is a serialized {@link Task}
         * @param fn the serialized function (read only when {@code fnKey} is not cached yet)
         * @param payload the serialized task, or the encoded item
         */
        public byte[] run(ProcessIdentity caller, long taskId, int slot, String fnKey, byte[] fn, byte[] payload) {
            return run(caller, taskId, slot, fnKey, fn, payload, null);
        }

        /**
         * {@link #run(ProcessIdentity, long, int, String, byte[], byte[])} on another node than the
         * caller's: {@code resolver} (null on the caller's node) maps the task's refs to local copies.
         */
        @SuppressWarnings("unchecked")
        public byte[] run(ProcessIdentity caller, long taskId, int slot, String fnKey, byte[] fn, byte[] payload,
                RefResolver resolver) {
            long start = System.nanoTime();
            Object value = null;
            Throwable failure = null;
            StoreHandles.TaskScope stores = new StoreHandles.TaskScope(storeHandles);
            WorkerContext context = resolver == null ? new WorkerContext(cache, stores, caller, taskId, slot)
                    : new WorkerContext(cache, stores, caller, taskId, slot, resolver);
            CurrentContext.set(context);
            try {
                if (fnKey == null) {
                    Task<?> task = (Task<?>) Values.deserialize(payload);
                    value = task.call(CurrentContext.require());
                } else {
                    SerializableFunction<Object, Object> f = functions.get(fnKey);
                    if (f == null) {
                        f = (SerializableFunction<Object, Object>) Values.deserialize(fn);
                        if (functions.size() >= MAX_FUNCTIONS) {
                            functions.clear(); // a bound, not an LRU: re-deserialized on the next use
                        }
                        functions.put(fnKey, f);
                    }
                    value = f.apply(decodeValue(payload));
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                CurrentContext.clear();
            }
            RuntimeException ended = context.end(); // leases and pins end with the task
            if (failure == null) {
                failure = ended;
            }
            long nanos = System.nanoTime() - start;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            try {
                if (failure == null) {
                    try {
                        header(out, 0, taskId, nanos);
                        Values.encode(value, out);
                    } catch (Throwable e) { // a result that cannot be encoded fails the task
                        failure = e;
                        bytes.reset();
                    }
                }
                if (failure != null) {
                    header(out, 1, taskId, nanos);
                    writeError(out, failure);
                }
                out.writeInt(context.published().size());
                for (SegmentRef ref : context.published()) {
                    Values.writeRef(ref, out);
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
            }
            return bytes.toByteArray();
        }

        /**
         * An answer saying the task did not run to its end ({@code reason}, e.g. a timeout or a
         * cancellation), with the exception the caller should see as the task's failure.
         */
        public static byte[] failed(long taskId, Throwable reason) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                header(out, 1, taskId, 0);
                writeError(out, reason);
                out.writeInt(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        /** Drops this worker's mappings of the incarnation (now, or when the tasks using them end). */
        public void release(String name, long generation) {
            cache.release(name, generation);
        }

        /**
         * Closes this worker's store connections (they are made again on next use): a worker that
         * outlives its pool (an engine's worker process) must not keep stores alive.
         */
        public void closeStores() {
            storeHandles.close();
        }

        /** Drops the mappings whose names are gone or replaced. */
        public void sweep() {
            cache.sweep();
        }

        @Override
        public void close() {
            cache.close();
            storeHandles.close();
        }

        private static void header(DataOutputStream out, int status, long taskId, long nanos) throws IOException {
            out.writeByte(status);
            out.writeLong(taskId);
            out.writeLong(ProcessHandle.current().pid());
            out.writeLong(nanos);
        }

        private static void writeError(DataOutputStream out, Throwable t) throws IOException {
            Values.writeFailure(out, t);
        }
    }
}
