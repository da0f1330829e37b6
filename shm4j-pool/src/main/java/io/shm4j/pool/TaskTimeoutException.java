package io.shm4j.pool;

/**
 * A task ran longer than the pool's per-task timeout: its worker was killed and replaced.
 * The task is not retried.
 */
public class TaskTimeoutException extends PoolException {
    private static final long serialVersionUID = 1L;
    private final long taskId;

    public TaskTimeoutException(String message, long taskId) {
        super(message);
        this.taskId = taskId;
    }

    /** The id of the task that timed out. */
    public long taskId() {
        return taskId;
    }
}
