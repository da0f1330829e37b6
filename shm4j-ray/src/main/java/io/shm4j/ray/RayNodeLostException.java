package io.shm4j.ray;

import io.shm4j.pool.WorkerDiedException;
import java.util.List;

/**
 * A task could not finish because the Ray node(s) that could run it are lost: the node running
 * it died (its raylet or all its processes killed, the host gone) and no node still alive has
 * the resources the pool asks ({@code ray.resources}), or the task had been retried
 * {@code maxRetries} times. The facts: the task id and the lost nodes' addresses (and Ray node
 * ids in the message). A {@link WorkerDiedException}, so code that handles dead workers handles
 * lost nodes too.
 */
public class RayNodeLostException extends WorkerDiedException {
    private static final long serialVersionUID = 1L;
    private final String[] nodes;

    /**
     * @param message the facts as {@code name=value} and what to do next
     * @param taskId the task's id
     * @param nodes the lost nodes' addresses
     */
    public RayNodeLostException(String message, long taskId, List<String> nodes) {
        super(message, taskId, -1, -1, 0);
        this.nodes = nodes.toArray(String[]::new);
    }

    /** The addresses of the lost nodes that could run the task. */
    public List<String> nodes() {
        return List.of(nodes);
    }
}
