package io.shm4j.pool;

import java.util.OptionalInt;

/**
 * The worker running a task died (killed, out of memory, {@code System.exit}) more often than
 * the pool retries a task. The facts: the task id, the worker's pid, its exit code and the
 * signal that killed it, if any.
 */
public class WorkerDiedException extends PoolException {
    private static final long serialVersionUID = 1L;
    private final long taskId;
    private final long pid;
    private final int exitCode;
    private final int signal;

    public WorkerDiedException(String message, long taskId, long pid, int exitCode, int signal) {
        super(message);
        this.taskId = taskId;
        this.pid = pid;
        this.exitCode = exitCode;
        this.signal = signal;
    }

    /** The id of the task the worker was running. */
    public long taskId() {
        return taskId;
    }

    /** The pid of the worker that died last. */
    public long pid() {
        return pid;
    }

    /** The worker's exit code ({@code 128 + signal} when a signal killed it). */
    public int exitCode() {
        return exitCode;
    }

    /** The signal that killed the worker (9 for {@code kill -9}), if a signal did. */
    public OptionalInt signal() {
        return signal > 0 ? OptionalInt.of(signal) : OptionalInt.empty();
    }
}
