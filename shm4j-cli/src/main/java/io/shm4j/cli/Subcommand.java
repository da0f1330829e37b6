package io.shm4j.cli;

/**
 * A {@code shm4j} subcommand contributed by a module above the CLI (for example {@code bench}
 * and {@code demo} from the benchmark module): a picocli {@code @Command} class implementing
 * this marker, listed in {@code META-INF/services/io.shm4j.cli.Subcommand}. Loaded when
 * present on the class path.
 */
public interface Subcommand {}
