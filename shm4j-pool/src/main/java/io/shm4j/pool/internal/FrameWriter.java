package io.shm4j.pool.internal;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one writer of a worker's socket: a thread that takes frames from a queue and writes them,
 * flushing when the queue is empty. The pool offers frames under its lock and never writes
 * itself, so a worker that stops reading (stopped with {@code SIGSTOP}, swapped out, in a long
 * GC) blocks this thread only, never the pool.
 *
 * <p><b>Bound:</b> the queue holds what the scheduler sends ahead to the worker (at most
 * {@code maxPipelinePerWorker} tasks, and no further task once about a MiB is outstanding) plus
 * control frames (DEFINE once per function, FORGET, RELEASE — a release repeated with nothing
 * sent in between is not queued twice — and SHUTDOWN).
 *
 * <p><b>Failures:</b> a write that fails (the worker died, or its socket broke) stops the writer
 * and kills the worker, so that its reader sees the end of the connection and the pool handles
 * the death in one place.
 *
 * <p><b>Threading:</b> {@link #offer} and {@link #close} from any thread; the queue has a lock of
 * its own that is held only to add or take frames, never while writing.
 */
final class FrameWriter {
    private final SocketChannel channel;
    private final Process process;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private ArrayDeque<Frame> pending = new ArrayDeque<>();
    private ArrayDeque<Frame> writing = new ArrayDeque<>();
    private boolean closed;

    FrameWriter(SocketChannel channel, Process process) {
        this.channel = channel;
        this.process = process;
    }

    /** Starts the writer thread. */
    void start(String name) {
        Thread t = new Thread(this::writeLoop, name);
        t.setDaemon(true);
        t.start();
    }

    /** Queues one frame. */
    void offer(Frame frame) {
        lock.lock();
        try {
            if (!closed) {
                pending.add(frame);
                ready.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues frames, in order, to be written in one batch. */
    void offer(List<Frame> frames) {
        lock.lock();
        try {
            if (!closed) {
                pending.addAll(frames);
                ready.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops the writer: queued frames are dropped; a write in progress ends when the socket closes. */
    void close() {
        lock.lock();
        try {
            closed = true;
            pending.clear();
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    private void writeLoop() {
        OutputStream out = new BufferedOutputStream(ChannelStreams.output(channel), 1 << 16);
        try {
            while (true) {
                lock.lock();
                try {
                    while (pending.isEmpty() && !closed) {
                        ready.await();
                    }
                    if (closed) {
                        return;
                    }
                    ArrayDeque<Frame> batch = pending;
                    pending = writing;
                    writing = batch;
                } finally {
                    lock.unlock();
                }
                for (Frame f; (f = writing.poll()) != null; ) {
                    f.writeTo(out);
                }
                lock.lock();
                boolean more;
                try {
                    more = !pending.isEmpty();
                } finally {
                    lock.unlock();
                }
                if (!more) {
                    out.flush();
                }
            }
        } catch (IOException e) {
            close();
            process.destroyForcibly(); // its reader sees the end of the connection and handles the death
        } catch (InterruptedException e) {
            close();
        }
    }
}
