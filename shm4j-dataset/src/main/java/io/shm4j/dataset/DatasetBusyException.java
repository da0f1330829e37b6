package io.shm4j.dataset;

/** Another live writer held the dataset's writer lock for the whole bounded wait. */
public class DatasetBusyException extends DatasetException {
    private static final long serialVersionUID = 1L;

    public DatasetBusyException(String message) {
        super(message);
    }
}
