package io.shm4j.pool.internal;

/**
 * A task from submission until its future completes: its encoded TASK frame (built once, at
 * submission, so serialization errors surface there), its future and how often its worker died
 * under it. Mutable fields are guarded by the pool's lock.
 */
final class PendingTask {
    final long id;
    final int fnId;
    final Frame frame;
    final TaskFuture<Object> future = new TaskFuture<>();
    final Job job;
    int deaths;

    PendingTask(long id, int fnId, Frame frame, Job job) {
        this.id = id;
        this.fnId = fnId;
        this.frame = frame;
        this.job = job;
    }
}
