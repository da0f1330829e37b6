package io.shm4j.pool;

/**
 * Stands in for an exception thrown in a worker that could not be sent back as itself (its
 * class or state is not serializable): its class name and message, and the worker's stack
 * trace as this exception's stack trace. The cause of a {@link TaskFailedException}: the task's
 * own failure, not a {@link PoolException}.
 */
public class RemoteException extends io.shm4j.Shm4jException {
    private static final long serialVersionUID = 1L;
    private final String remoteClassName;

    public RemoteException(String remoteClassName, String message) {
        super(remoteClassName + (message == null ? "" : ": " + message));
        this.remoteClassName = remoteClassName;
    }

    /** The class name of the exception the worker threw. */
    public String remoteClassName() {
        return remoteClassName;
    }
}
