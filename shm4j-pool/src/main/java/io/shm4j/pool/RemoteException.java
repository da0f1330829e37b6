package io.shm4j.pool;

/**
 * Stands in for an exception thrown in a worker that could not be sent back as itself (its
 * class or state is not serializable): its class name and message, and the worker's stack
 * trace as this exception's stack trace.
 */
public class RemoteException extends PoolException {
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
