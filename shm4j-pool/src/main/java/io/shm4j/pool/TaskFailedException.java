package io.shm4j.pool;

/**
 * A task threw. The cause is the exception the task threw, with the worker's stack trace
 * (deserialized from the worker); if it could not be deserialized, the cause is a
 * {@link RemoteException} carrying its class name, message and stack trace as text.
 */
public class TaskFailedException extends PoolException {
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
