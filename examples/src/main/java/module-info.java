/** The README's examples as a module (run with java -p ... -m io.shm4j.examples/example.ReadmeExamples). */
module io.shm4j.examples {
    requires io.shm4j.array;
    requires io.shm4j.frame;
    requires io.shm4j.pool;
}
