package io.shm4j.pool;

/** The pool contract on the processes backend; failure cases with real processes are in {@link WorkerFailureTest}. */
class ProcessesPoolTest extends PoolContractTest {
    @Override
    Backend backend() {
        return Backend.PROCESSES;
    }
}
