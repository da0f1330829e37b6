package io.shm4j.pool.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The caller's side of one worker process: the process, its connection and writer, the tasks
 * sent to it and not yet answered (in the order it runs them), and what the scheduler knows
 * about it.
 *
 * <p>Threading: the mutable fields are guarded by the pool's lock, except {@link #head} and
 * {@link #timedOutTask}, which the timeout monitor reads and writes without it. Frames go out
 * through {@link #writer} only (never written under the pool's lock); the reader thread owns
 * the input side.
 */
final class WorkerHandle {
    /** The task the worker runs now (the oldest unanswered one) and since when. */
    record Head(long taskId, long startNanos) {}

    final int slot;
    final Process process;
    final Path recording;
    final long startedNanos = System.nanoTime();
    private final StringBuilder stderrTail = new StringBuilder();
    private final java.util.concurrent.CountDownLatch stderrEnded = new java.util.concurrent.CountDownLatch(1);

    SocketChannel channel;
    FrameWriter writer;
    final ArrayDeque<PendingTask> outstanding = new ArrayDeque<>();
    /** Bytes of the TASK frames of {@link #outstanding}. */
    long outstandingBytes;
    final Set<Integer> defined = new HashSet<>();
    final Map<Long, CompletableFuture<Void>> releases = new HashMap<>();
    /** The release whose RELEASE frame was the last one queued (nothing queued since), else null. */
    Object lastRelease;
    CompletableFuture<Void> lastReleaseFuture;
    double runNanosAverage;
    boolean broken;
    boolean retiring;
    /**
     * Being filled up to its depth: set when its queue fell to half its depth (or emptied),
     * cleared when full, so the scheduler hands it tasks in batches, not one per answer.
     */
    boolean filling;
    volatile Head head;
    volatile long timedOutTask = -1;

    WorkerHandle(int slot, Process process, Path recording) {
        this.slot = slot;
        this.process = process;
        this.recording = recording;
    }

    long pid() {
        return process.pid();
    }

    /** Tasks to keep queued at the worker: ~1 ms of work ahead, at least one, at most {@code max}. */
    int depth(int max) {
        if (runNanosAverage <= 0) {
            return 1;
        }
        return (int) Math.max(1, Math.min(max, 1 + 1_000_000 / Math.max(1.0, runNanosAverage)));
    }

    void recordRun(long nanos) {
        runNanosAverage = runNanosAverage <= 0 ? nanos : runNanosAverage * 0.8 + nanos * 0.2;
    }

    /**
     * Copies the worker's stderr to ours, keeping the last 4 KiB for error messages; drops its
     * first line when it is {@code dropFirstLine} (null: drops nothing).
     */
    void pumpStderr(String dropFirstLine) {
        Thread.ofVirtual().name("shm4j-worker-stderr-" + slot).start(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = new java.io.BufferedInputStream(process.getErrorStream(), buf.length)) {
                if (dropFirstLine != null) {
                    skipLineIf(in, dropFirstLine);
                }
                int n;
                while ((n = in.read(buf)) > 0) {
                    System.err.write(buf, 0, n);
                    System.err.flush();
                    synchronized (stderrTail) {
                        stderrTail.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        if (stderrTail.length() > 4096) {
                            stderrTail.delete(0, stderrTail.length() - 4096);
                        }
                    }
                }
            } catch (IOException e) {
                // the worker is gone
            } finally {
                stderrEnded.countDown();
            }
        });
    }

    /** Consumes the first line of {@code in} if it is {@code line}; else leaves {@code in} as it was. */
    private static void skipLineIf(InputStream in, String line) throws IOException {
        byte[] want = (line + "\n").getBytes(StandardCharsets.UTF_8);
        in.mark(want.length);
        for (byte b : want) {
            int c = in.read(); // blocks until the worker writes, as the copy loop would
            if (c != (b & 0xff)) {
                in.reset();
                return;
            }
        }
    }

    /**
     * Waits (bounded) until the worker's stderr reached its end, so that an error message about
     * its exit carries what it printed last: the process's exit can be seen before its last
     * output was read. Never call it holding the pool's lock.
     */
    void awaitStderrEnd(long millis) {
        try {
            stderrEnded.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String stderrTail() {
        synchronized (stderrTail) {
            return stderrTail.toString().strip();
        }
    }

    @Override
    public String toString() {
        return "worker[slot=" + slot + ", pid=" + pid() + "]";
    }
}
