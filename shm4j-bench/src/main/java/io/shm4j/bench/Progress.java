package io.shm4j.bench;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The console progress bar of a benchmark run: one step per run of a strategy (warm-up
 * included), the current strategy as its message. Drawn on stderr only when stderr is a
 * terminal; otherwise (and when switched off) every method does nothing, and {@link #say}
 * prints plain lines.
 *
 * <p>Thread-safe (the Python reader thread steps it too). The creator closes it.
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private final PrintStream err;

    private Progress(ProgressBar bar, PrintStream err) {
        this.bar = bar;
        this.err = err;
    }

    /** A bar of {@code total} steps, or a silent one when {@code enabled} is false or stderr is not a terminal. */
    public static Progress create(String label, long total, boolean enabled) {
        ProgressBar bar = enabled && stderrIsTerminal() ? new ProgressBarBuilder().setTaskName(label)
                .setInitialMax(total).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).continuousUpdate().build() : null;
        return new Progress(bar, System.err);
    }

    /** A progress that draws nothing and says nothing. */
    public static Progress silent() {
        return new Progress(null, null);
    }

    /** Whether System.err is a terminal (a console exists and fd 2 is a tty). */
    public static boolean stderrIsTerminal() {
        java.io.Console c = System.console();
        if (c == null || !c.isTerminal()) {
            return false;
        }
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** One more step done. */
    public synchronized void step() {
        if (bar != null) {
            bar.step();
        }
    }

    /** Raises (or lowers) the total. */
    public synchronized void total(long total) {
        if (bar != null) {
            bar.maxHint(total);
        }
    }

    /** Shows what runs now. */
    public synchronized void message(String text) {
        if (bar != null) {
            bar.setExtraMessage(" " + text);
        }
    }

    /** A line for the user: above the bar, or on stderr when there is no bar. */
    public synchronized void say(String line) {
        if (err == null) {
            return;
        }
        if (bar != null) {
            err.print("\r\u001b[2K");
        }
        err.println(line);
        err.flush();
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
