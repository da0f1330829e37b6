package io.shm4j.ray;

import io.shm4j.pool.Backend;
import io.shm4j.pool.WorkerPool;
import io.shm4j.ray.internal.RayEngine;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Worker pools whose tasks run on a Ray cluster: the same {@link io.shm4j.pool.Task},
 * {@link io.shm4j.pool.RowTask}, {@link io.shm4j.pool.SerializableFunction} and
 * {@link io.shm4j.pool.TaskContext} code as {@link WorkerPool#processes(int)}.
 *
 * <pre>{@code
 * try (WorkerPool pool = RayPool.builder("10.0.0.5:6379").workers(8).build()) {
 *     List<Double> sums = pool.mapRows(array, 8, (chunk, ctx) ->
 *             ctx.array(chunk.ref()).slice(chunk.start(), chunk.end()).sum());
 * }
 * }</pre>
 *
 * <p><b>Set-up:</b> Ray's Java API is the jar of the installed {@code ray} Python package
 * ({@code ray/jars/ray_dist.jar}, the cluster's exact version; {@link #installedJar()}), on this
 * JVM's class path. The pool checks it against the Python package ({@code shm4j.ray.python},
 * {@code SHM4J_RAY_PYTHON}, {@code SHM4J_PYTHON}, else {@code python3}) and the cluster's
 * reachability before connecting, and fails with one {@link RayUnavailableException} otherwise.
 * Worker JVMs get this JVM's class path and module path as Ray's code search path, and its
 * native-access, module and {@code -Dshm4j.*} options; Ray starts them with the {@code java}
 * first on the {@code PATH} of {@code ray start} (JDK 25).
 *
 * <p><b>Connection:</b> one per JVM (one Ray job), made by the first pool and kept until the JVM
 * exits; later pools share it and its warm worker JVMs. {@link WorkerPool.Builder#workers} is the
 * pool's share of the cluster: the most calls it has in flight.
 *
 * <p><b>Data:</b> on the driver's node, tasks map segments by name (zero-copy, once per worker
 * JVM). Refs name segments of the driver's shm directory: a task that Ray places on another node
 * finds no such segment there and fails with {@link io.shm4j.segment.NoSuchSegmentException}
 * unless the data is there too; pin such pools to the driver's node with
 * {@code ray.resources} (see docs/ray.md).
 *
 * <p>Thread-safe (static methods only).
 */
public final class RayPool {
    private RayPool() {}

    /** A builder of a pool on the cluster at {@code address} (host:port of the head's GCS). */
    public static WorkerPool.Builder builder(String address) {
        return WorkerPool.builder().backend(Backend.RAY).engineOption(RayEngine.ADDRESS, address);
    }

    /** A pool of {@code workers} concurrent calls on the cluster at {@code address}. */
    public static WorkerPool connect(String address, int workers) {
        return builder(address).workers(workers).build();
    }

    /**
     * Asks every call of the pool for these Ray resources (default: one CPU), e.g.
     * {@code Map.of("CPU", 1.0, "node:10.0.0.5", 0.01)} to keep tasks on one node. Should every
     * node that has them be lost (dead in Ray's node table), the pool's calls fail with
     * {@link RayNodeLostException} instead of waiting for such a node to join.
     */
    public static WorkerPool.Builder resources(WorkerPool.Builder builder, Map<String, Double> resources) {
        return builder.engineOption(RayEngine.RESOURCES, resources.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
    }

    /**
     * Asks every call for these Ray resources too while a node alive has them — a soft
     * placement, e.g. {@code Map.of("node:10.0.0.7", 0.01)} to prefer one node — and for
     * {@link #resources} only once no node alive has them (that node is lost): its calls then
     * run again elsewhere ({@link WorkerPool.Builder#maxRetries}) instead of failing with
     * {@link RayNodeLostException}.
     */
    public static WorkerPool.Builder preferResources(WorkerPool.Builder builder, Map<String, Double> resources) {
        return builder.engineOption(RayEngine.PREFER_RESOURCES, resources.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
    }

    /** This host's address in the cluster, when Ray cannot tell (several nodes on one host). */
    public static WorkerPool.Builder nodeIp(WorkerPool.Builder builder, String ip) {
        return builder.engineOption(RayEngine.NODE_IP, ip);
    }

    /** Ray's Java API jar of the installed {@code ray} Python package, to put on the class path. */
    public static java.nio.file.Path installedJar() {
        return io.shm4j.ray.internal.RaySetup.installed(io.shm4j.ray.internal.RaySetup.python()).jar();
    }
}
