package io.shm4j.ray.internal;

import io.shm4j.pool.Backend;
import io.shm4j.pool.WorkerPool;
import io.shm4j.pool.internal.PoolConfig;
import io.shm4j.pool.internal.PoolEngine;
import io.shm4j.ray.RayUnavailableException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link Backend#RAY}, found by {@link java.util.ServiceLoader}. Reads the engine options
 * {@code ray.address}, {@code ray.resources} ({@code name=amount,...}: what each call asks of
 * the cluster; default one CPU), {@code ray.prefer-resources} (asked too while a node alive has
 * them), {@code ray.answer-margin-ms}, {@code ray.cache-bytes}, {@code ray.chunk-bytes} and
 * {@code ray.node-ip} (this host's address in the cluster, when Ray cannot tell). Stateless.
 */
public final class RayEngine implements PoolEngine {
    /** Engine option: the cluster's address, host:port. */
    public static final String ADDRESS = "ray.address";
    /** Engine option: Ray resources of each call, {@code name=amount,...}. */
    public static final String RESOURCES = "ray.resources";
    /** Engine option: the capacity in bytes of each node's cache of the driver's segments (0: half its shm dir). */
    public static final String CACHE_BYTES = "ray.cache-bytes";
    /** Engine option: the bytes per chunk of a segment fetched by another node (default 64 MiB; under 2 GiB). */
    public static final String CHUNK_BYTES = "ray.chunk-bytes";
    /**
     * Engine option: Ray resources each call asks too while a node alive has them, {@code name=amount,...}
     * (a soft placement: once no node alive has them, calls ask {@code ray.resources} only).
     */
    public static final String PREFER_RESOURCES = "ray.prefer-resources";
    /**
     * Engine option: with a task timeout, the milliseconds the driver waits for a call's answer
     * beyond it (worker start, queueing) before it fails the call (default 60000).
     */
    public static final String ANSWER_MARGIN_MILLIS = "ray.answer-margin-ms";
    /** Engine option: this host's address in the cluster. */
    public static final String NODE_IP = "ray.node-ip";

    /** For the service loader. */
    public RayEngine() {}

    @Override
    public Backend backend() {
        return Backend.RAY;
    }

    @Override
    public WorkerPool start(PoolConfig config) {
        Map<String, String> o = config.engineOptions();
        RayConnection c = RayConnection.connect(config, o.get(ADDRESS), o.get(NODE_IP));
        long cache = Long.parseLong(o.getOrDefault(CACHE_BYTES, "0"));
        long chunk = Long.parseLong(o.getOrDefault(CHUNK_BYTES, Integer.toString(64 << 20)));
        if (chunk < 1 || chunk > Integer.MAX_VALUE - 64) {
            throw new RayUnavailableException("bad chunk size: " + CHUNK_BYTES + "=" + chunk + "; between 1 and 2^31 - 65");
        }
        long margin;
        try {
            margin = Long.parseLong(o.getOrDefault(ANSWER_MARGIN_MILLIS, "60000"));
        } catch (NumberFormatException e) {
            margin = -1;
        }
        if (margin < 0) {
            throw new RayUnavailableException("bad answer margin: " + ANSWER_MARGIN_MILLIS + "="
                    + o.get(ANSWER_MARGIN_MILLIS) + "; milliseconds, 0 or more");
        }
        return new RayDriverPool(config, c, resources(RESOURCES, o.getOrDefault(RESOURCES, "")),
                resources(PREFER_RESOURCES, o.getOrDefault(PREFER_RESOURCES, "")), margin, cache, (int) chunk);
    }

    static Map<String, Double> resources(String option, String spec) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            try {
                out.put(part.substring(0, eq).trim(), Double.parseDouble(part.substring(eq + 1).trim()));
            } catch (RuntimeException e) {
                throw new RayUnavailableException("bad Ray resources: " + option + "=" + spec
                        + "; expected name=amount,... e.g. CPU=1,my-node=0.01", e);
            }
        }
        return out;
    }
}
