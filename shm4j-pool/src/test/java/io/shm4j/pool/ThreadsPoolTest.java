package io.shm4j.pool;

/** The pool contract on the threads backend. */
class ThreadsPoolTest extends PoolContractTest {
    @Override
    Backend backend() {
        return Backend.THREADS;
    }
}
