package io.shm4j.pool.internal;

import io.shm4j.pool.TaskContext;

/** The context of the task running on each thread. Set by the backends around every task. */
public final class CurrentContext {
    private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

    private CurrentContext() {}

    /** The running task's context, or an {@link IllegalStateException} outside a task. */
    public static TaskContext require() {
        TaskContext c = CURRENT.get();
        if (c == null) {
            throw new IllegalStateException("no task is running on this thread: thread="
                    + Thread.currentThread().getName()
                    + "; TaskContext.current() works only inside a task run by a WorkerPool");
        }
        return c;
    }

    static void set(TaskContext context) {
        CURRENT.set(context);
    }

    static void clear() {
        CURRENT.remove();
    }
}
