package io.shm4j.ray.internal;

import io.shm4j.pool.PoolException;
import io.shm4j.pool.internal.RemoteTasks;
import io.shm4j.pool.internal.TaskFuture;
import io.shm4j.segment.PendingSegment;
import io.shm4j.segment.Segment;
import io.shm4j.segment.SegmentExistsException;
import io.shm4j.segment.SegmentRef;
import io.shm4j.segment.ShmOptions;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Brings back to the driver's node the result segments a task published on another node: the
 * driver reserves a segment of its own for each (same kind and size, and the same name unless it
 * is taken on the driver's node; owned by the driver, as a result published on its node would be), reads the bytes in chunks with {@link RayEntry#chunk}
 * tasks that Ray runs on the task's node (a few in flight), publishes its copies, has the
 * originals removed there, then completes the task's future with the copies' refs in place of the
 * originals (in the value too: a ref, or a list or array of refs).
 *
 * <p>If a chunk cannot be read (the node or the worker that published it is gone) or the driver's
 * copy cannot be made (its shm directory is full), the future fails with a {@link PoolException}
 * and the driver's partial copies are discarded; the originals are removed on their node as far
 * as it answers (they belong to the worker that published them, so {@code gc} takes them once it
 * is gone).
 *
 * <p>Threading: made and driven on the connection's Ray thread only.
 */
final class RemoteResult {
    private static final int WINDOW = 4; // chunk reads in flight per result

    private final RayConnection connection;
    private final String node;
    private final int chunkBytes;
    private final RemoteTasks.Answer answer;
    private final TaskFuture<Object> future;
    private final List<SegmentRef> remote;
    private final List<PendingSegment> copies = new ArrayList<>();
    private int nextRef;
    private long nextOffset;
    private int reading;
    private int removing;
    private boolean failed;

    private RemoteResult(RayConnection connection, String node, int chunkBytes, RemoteTasks.Answer answer,
            TaskFuture<Object> future) {
        this.connection = connection;
        this.node = node;
        this.chunkBytes = chunkBytes;
        this.answer = answer;
        this.future = future;
        this.remote = answer.published();
    }

    /** Starts bringing back what {@code answer} published on {@code node}; completes {@code future} at the end. */
    static void start(RayConnection connection, String node, int chunkBytes, RemoteTasks.Answer answer,
            TaskFuture<Object> future) {
        RemoteResult r = new RemoteResult(connection, node, chunkBytes, answer, future);
        try {
            for (SegmentRef ref : r.remote) {
                PendingSegment p;
                try { // the same name if it is free here, so that a task's chosen name holds on either node
                    p = Segment.reserve(ShmOptions.named(ref.name()).spec(ref.size(), ref.kind()));
                } catch (SegmentExistsException taken) {
                    p = Segment.reserve(ShmOptions.defaults().spec(ref.size(), ref.kind()));
                }
                r.copies.add(p);
            }
        } catch (RuntimeException e) {
            r.fail(e);
            return;
        }
        r.pump();
    }

    /** Removes {@code refs} on {@code node}: results nobody takes (a cancelled or failed task). */
    static void discard(RayConnection connection, String node, List<SegmentRef> refs) {
        if (!refs.isEmpty() && !connection.lostFor(Map.of("node:" + node, 0.001)).isEmpty()) {
            return; // the node is lost: what its workers published goes with them (gc there, should it come back)
        }
        for (SegmentRef ref : refs) {
            connection.submitChunk(RayEntry.chunkRequest(ref, 0, 0, RayEntry.CHUNK_REMOVE), node,
                    new RayConnection.InFlight() {
                        @Override
                        public void answered(byte[] ignored) {}

                        @Override
                        public void failed(Throwable error) {
                            // the node is gone, or the worker: gc there takes the segment
                        }
                    });
        }
    }

    private void pump() {
        while (!failed && reading < WINDOW && nextRef < remote.size()) {
            SegmentRef ref = remote.get(nextRef);
            int refIndex = nextRef;
            long offset = nextOffset;
            int length = (int) Math.min(chunkBytes, ref.size() - offset);
            nextOffset += length;
            if (nextOffset >= ref.size()) {
                nextRef++;
                nextOffset = 0;
            }
            if (length == 0) {
                continue; // an empty segment: nothing to read
            }
            reading++;
            try {
                connection.submitChunk(RayEntry.chunkRequest(ref, offset, length, RayEntry.CHUNK_READ), node,
                        new RayConnection.InFlight() {
                            @Override
                            public void answered(byte[] bytes) {
                                reading--;
                                chunk(refIndex, offset, length, bytes);
                            }

                            @Override
                            public void failed(Throwable error) {
                                reading--;
                                fail(error);
                            }
                        });
            } catch (RuntimeException e) {
                reading--;
                fail(e);
                return;
            }
        }
        if (!failed && reading == 0 && nextRef == remote.size()) {
            finish();
        }
    }

    private void chunk(int refIndex, long offset, int length, byte[] bytes) {
        if (failed) {
            return;
        }
        if (bytes.length != length) {
            fail(new IllegalStateException("short chunk: expected=" + length + ", got=" + bytes.length));
            return;
        }
        MemorySegment.copy(bytes, 0, copies.get(refIndex).memory(), ValueLayout.JAVA_BYTE, offset, length);
        pump();
    }

    private void finish() {
        Map<SegmentRef, SegmentRef> moved = new HashMap<>();
        List<SegmentRef> mine = new ArrayList<>(remote.size());
        try {
            for (int i = 0; i < remote.size(); i++) {
                Segment s = copies.get(i).publish();
                SegmentRef ref = s.ref();
                s.closeWithoutUnlink(); // the caller takes it with Segment.adopt, as on the driver's node
                moved.put(remote.get(i), ref);
                mine.add(ref);
            }
        } catch (RuntimeException e) {
            RemoteTasks.discard(mine);
            fail(e);
            return;
        }
        removing = remote.size();
        for (SegmentRef ref : remote) { // the originals go before the future completes: nothing stays there
            connection.submitChunk(RayEntry.chunkRequest(ref, 0, 0, RayEntry.CHUNK_REMOVE), node,
                    new RayConnection.InFlight() {
                        @Override
                        public void answered(byte[] ignored) {
                            removed(moved, mine);
                        }

                        @Override
                        public void failed(Throwable error) {
                            removed(moved, mine); // the worker owns it: gc on its node takes it once it is gone
                        }
                    });
        }
    }

    private void removed(Map<SegmentRef, SegmentRef> moved, List<SegmentRef> mine) {
        if (--removing > 0) {
            return;
        }
        future.published(mine);
        if (!future.complete(replace(answer.value(), moved))) {
            future.discardPublished(); // cancelled meanwhile: nobody takes its results
        }
    }

    /** {@code value} with the refs of {@code moved} replaced: a ref, or a list or array of them. */
    static Object replace(Object value, Map<SegmentRef, SegmentRef> moved) {
        if (value instanceof SegmentRef r) {
            return moved.getOrDefault(r, r);
        }
        if (value instanceof List<?> l && l.stream().anyMatch(moved::containsKey)) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(o instanceof SegmentRef r ? moved.getOrDefault(r, r) : o);
            }
            return out;
        }
        if (value instanceof SegmentRef[] a) {
            SegmentRef[] out = a.clone();
            for (int i = 0; i < out.length; i++) {
                out[i] = moved.getOrDefault(out[i], out[i]);
            }
            return out;
        }
        return value;
    }

    private void fail(Throwable error) {
        if (failed) {
            return;
        }
        failed = true;
        for (PendingSegment p : copies) {
            p.close(); // never published: its temporary file goes
        }
        discard(connection, node, remote);
        future.completeExceptionally(new PoolException("cannot bring a task's result back from another node: taskId="
                + answer.taskId() + ", node=" + node + ", results=" + remote.stream().map(SegmentRef::name).toList()
                + ", error=" + error + "; return small values instead, or keep the pool on the driver's node"
                + " (RayPool.resources)", error));
    }
}
