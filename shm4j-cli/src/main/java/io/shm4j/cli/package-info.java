/** The {@code shm4j} command line: list, inspect, load, export and clean shared segments. */
package io.shm4j.cli;
