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

    private Main() {}

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
        return run(args, out, err, true);
    }

    static int run(String[] args, PrintWriter out, PrintWriter err, boolean fastPath) {
        if (fastPath) {
            Integer code = fastLs(args, out, err);
            if (code == null) {
                code = fastPut(args, out, err);
            }
            if (code != null) {
                return code;
            }
        }
        CommandLine cl = new CommandLine(new Main());
        for (Subcommand extra : java.util.ServiceLoader.load(Subcommand.class)) {
            cl.addSubcommand(extra);
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failed(ex, err));
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * {@code ls} without picocli: building picocli's command model costs more CPU than the
     * listing itself (picocli's Java 5 class files cannot be kept in an AOT cache), and {@code ls}
     * is the command people run all the time. Handles {@code [--dir DIR] ls [-a|--all] [--json]
     * [--dir DIR]} exactly as the picocli path does (CliTest compares both); anything else, help
     * and usage errors included, returns null and goes through picocli.
     */
    private static Integer fastLs(String[] args, PrintWriter out, PrintWriter err) {
        LsCommand ls = new LsCommand();
        boolean seenLs = false;
        String dir = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--dir") && i + 1 < args.length) {
                dir = args[++i];
            } else if (a.startsWith("--dir=")) {
                dir = a.substring("--dir=".length());
            } else if (a.equals("ls") && !seenLs) {
                seenLs = true;
            } else if (seenLs && (a.equals("-a") || a.equals("--all"))) {
                ls.all = true;
            } else if (seenLs && a.equals("--json")) {
                ls.json = true;
            } else {
                return null;
            }
        }
        if (!seenLs) {
            return null;
        }
        if (dir != null) {
            System.setProperty(io.shm4j.Settings.DIR_PROPERTY, dir);
        }
        ls.out = out;
        ls.err = err;
        try {
            return ls.call();
        } catch (RuntimeException e) {
            return failed(e, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * {@code put} without picocli, for the same reason as {@link #fastLs}: a put of a small file is
     * meant to take well under a second, and picocli's command model was a third of it. Handles
     * {@code [--dir DIR] put FILE} with {@code --dir DIR}, {@code --name NAME} (each at most once,
     * also as {@code --opt=value}) and one of {@code --persistent}/{@code --scoped}, in any order
     * after {@code put}, exactly as the picocli path does (CliTest compares both); anything else
     * ({@code --owner-pid}, help, {@code --}, a FILE starting with {@code -}, usage errors) returns
     * null and goes through picocli.
     */
    private static Integer fastPut(String[] args, PrintWriter out, PrintWriter err) {
        PutCommand put = new PutCommand();
        boolean seenPut = false;
        String dir = null;
        String file = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            String option = a;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                option = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if ((a.equals("--dir") || (seenPut && a.equals("--name"))) && i + 1 < args.length) {
                value = args[++i];
            }
            if (option.equals("--dir") && value != null && dir == null) {
                dir = value;
            } else if (!seenPut) {
                if (!a.equals("put")) {
                    return null;
                }
                seenPut = true;
            } else if (option.equals("--name") && value != null && put.name == null) {
                put.name = value;
            } else if (a.equals("--persistent") && !put.ownership.persistent && !put.ownership.scoped) {
                put.ownership.persistent = true;
            } else if (a.equals("--scoped") && !put.ownership.persistent && !put.ownership.scoped) {
                put.ownership.scoped = true;
            } else if (!a.startsWith("-") && file == null) {
                file = a;
            } else {
                return null;
            }
        }
        if (!seenPut || file == null) {
            return null;
        }
        try {
            put.file = java.nio.file.Path.of(file);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
        if (dir != null) {
            System.setProperty(io.shm4j.Settings.DIR_PROPERTY, dir);
        }
        put.out = out;
        try {
            return put.call();
        } catch (RuntimeException e) {
            return failed(e, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int failed(Exception ex, PrintWriter err) {
        String debug = System.getenv("SHM4J_DEBUG");
        if (debug != null && !debug.isEmpty() && !debug.equals("0")) {
            ex.printStackTrace(err);
        }
        err.println(errorLine(ex));
        err.flush();
        return 1;
    }

    /**
     * The one line a failure prints: the library's own errors and I/O or state errors with their
     * facts; anything else as an internal error. Control characters (from file names or file
     * contents in a message) are escaped and the line is cut, so it is always one line.
     */
    static String errorLine(Throwable ex) {
        if (ex instanceof Shm4jException) {
            return "shm4j: error: " + Text.oneLine(ex.getMessage());
        }
        if (ex instanceof java.io.UncheckedIOException u) {
            return "shm4j: error: " + Text.oneLine(u.getMessage() + ": " + u.getCause());
        }
        if (ex instanceof IllegalStateException || ex instanceof IllegalArgumentException) {
            return "shm4j: error: " + Text.oneLine(String.valueOf(ex.getMessage()));
        }
        if (ex instanceof InternalError && String.valueOf(ex.getMessage()).contains("unsafe memory access")) {
            return "shm4j: error: a file shrank while being read: another process truncated it; retry when it is complete";
        }
        return "shm4j: internal error: " + Text.oneLine(ex.toString()) + " (rerun with SHM4J_DEBUG=1 for the stack trace)";
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
