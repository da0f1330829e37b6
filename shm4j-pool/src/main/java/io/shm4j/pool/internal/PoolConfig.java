package io.shm4j.pool.internal;

import io.shm4j.pool.Backend;
import io.shm4j.pool.ProgressListener;
import java.time.Duration;
import java.util.List;

/**
 * A pool's settings, as the builder collected them. Immutable.
 *
 * @param backend processes or threads
 * @param workers number of workers
 * @param workerHeap {@code -Xmx} value of worker JVMs, or null
 * @param jvmOptions extra worker JVM options
 * @param taskTimeout per-task timeout, or null
 * @param maxRetries runs of a task after its worker died
 * @param progressBar whether to show a console bar when stderr is a terminal
 * @param progressListener listener of progress events, or null
 * @param maxInFlight default in-flight bound of imap
 * @param maxPipelinePerWorker most tasks sent ahead to one worker
 * @param startTimeout how long start waits for workers
 * @param sweepInterval period of the workers' mapping sweep
 * @param classDataSharing whether workers use an AppCDS archive
 * @param closeTimeout how long close waits for submitted tasks before shutdownNow
 * @param classPath entries put first on the workers' class path (may be empty)
 * @param engineOptions settings of an engine backend by name (Ray), ignored by the others
 */
public record PoolConfig(Backend backend, int workers, String workerHeap, List<String> jvmOptions,
        Duration taskTimeout, int maxRetries, boolean progressBar, ProgressListener progressListener,
        int maxInFlight, int maxPipelinePerWorker, Duration startTimeout, Duration sweepInterval,
        boolean classDataSharing, Duration closeTimeout, List<java.nio.file.Path> classPath,
        java.util.Map<String, String> engineOptions) {}
