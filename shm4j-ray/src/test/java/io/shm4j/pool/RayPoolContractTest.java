package io.shm4j.pool;

import io.shm4j.ray.LocalRayCluster;
import io.shm4j.ray.RayPool;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/**
 * The pool's contract test suite ({@link PoolContractTest}) on the Ray backend: a real local
 * Ray cluster (LocalRayCluster), tasks kept on the driver's node.
 */
class RayPoolContractTest extends PoolContractTest {
    @BeforeAll
    static void cluster() {
        LocalRayCluster.head();
    }

    @Override
    Backend backend() {
        return Backend.RAY;
    }

    @Override
    WorkerPool.Builder builder(int workers) {
        WorkerPool.Builder b = RayPool.builder(LocalRayCluster.ADDRESS).workers(workers).progressBar(false);
        return RayPool.resources(RayPool.nodeIp(b, "127.0.0.1"), Map.of("CPU", 1.0, "shm4j-node1", 1.0));
    }
}
