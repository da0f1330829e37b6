package io.shm4j.cli;

import io.shm4j.Shm4jException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code shm4j}: list, inspect, load, export and clean shared segments.
 *
 * <p>Exit status: 0 on success, 1 on an error (one line on stderr, no stack trace unless
 * {@code SHM4J_DEBUG=1}), 2 on a usage error.
 */
@Command(name = "shm4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Share large arrays and data frames between processes without copying them.",
        subcommands = {LsCommand.class, InfoCommand.class, RmCommand.class, GcCommand.class,
            PutCommand.class, ExportCommand.class, HeadCommand.class, StoreCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "shm directory (default: $SHM4J_DIR or /dev/shm)")
    void dir(String dir) {
        System.setProperty(io.shm4j.Settings.DIR_PROPERTY, dir);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams; returns the exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        for (Subcommand extra : java.util.ServiceLoader.load(Subcommand.class)) {
            cl.addSubcommand(extra);
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            String debug = System.getenv("SHM4J_DEBUG");
            if (debug != null && !debug.isEmpty() && !debug.equals("0")) {
                ex.printStackTrace(err);
            }
            if (ex instanceof Shm4jException) {
                err.println("shm4j: error: " + ex.getMessage());
            } else {
                err.println("shm4j: internal error: " + ex + " (rerun with SHM4J_DEBUG=1 for the stack trace)");
            }
            err.flush();
            return 1;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** The version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"shm4j " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
