/** Frame benchmarks: building, scanning and attaching the record frame, side by side with pyarrow. */
package io.shm4j.bench.frame;
