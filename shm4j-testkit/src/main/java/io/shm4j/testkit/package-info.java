/**
 * Test support shared by every shm4j module: the leak check that fails any test leaving a
 * segment file, a mapping or a process behind, and helpers to run a second JVM or a Python
 * process against the same shm directory. Not part of the library.
 */
package io.shm4j.testkit;
