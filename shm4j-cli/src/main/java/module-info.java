/**
 * The {@code shm4j} command line. Exports {@code io.shm4j.cli} for plug-ins (subcommands found
 * with {@link java.util.ServiceLoader}, such as the benchmark's {@code bench} and {@code demo}).
 */
module io.shm4j.cli {
    requires io.shm4j.pool;
    requires io.shm4j.dataset;
    requires info.picocli;
    requires com.google.gson;

    exports io.shm4j.cli;
    opens io.shm4j.cli to info.picocli;

    uses io.shm4j.cli.Subcommand;
}
