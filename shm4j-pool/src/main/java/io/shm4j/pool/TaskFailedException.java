package io.shm4j.pool;

/**
 * A task threw: the user's code failed, not the library. Kept apart from {@link PoolException}
 * (the pool's own failures: a worker that died, a timeout, a closed pool) so a caller can tell
 * "my task is wrong" from "the pool could not run it"; both sit under
 * {@link io.shm4j.Shm4jException}. The cause is the exception the task threw, with the worker's stack trace
 * (deserialized from the worker); if it could not be deserialized, the cause is a
 * {@link RemoteException} carrying its class name, message and stack trace as text.
 */
public class TaskFailedException extends io.shm4j.Shm4jException {
    private static final long serialVersionUID = 1L;
    private final long taskId;

    public TaskFailedException(String message, long taskId, Throwable cause) {
        super(message, cause);
        this.taskId = taskId;
    }

    /** The failed task's id. */
    public long taskId() {
        return taskId;
    }
}
