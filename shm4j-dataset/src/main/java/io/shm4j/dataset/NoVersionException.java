package io.shm4j.dataset;

/** The dataset has no version yet (nothing was published), or its current version is gone. */
public class NoVersionException extends DatasetException {
    private static final long serialVersionUID = 1L;

    public NoVersionException(String message) {
        super(message);
    }
}
