package io.shm4j.pool.internal;

import io.shm4j.pool.ProgressEvent;
import io.shm4j.pool.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of one batch operation: counts finished tasks, tells the listener, and drives a
 * console bar when asked for and stderr is a terminal.
 *
 * <p>Thread-safe: {@link #taskDone()} may be called from any thread. Public for engine modules
 * only: no compatibility promise.
 */
public final class Job implements AutoCloseable {
    private final String label;
    private volatile long total;
    private final ProgressListener listener;
    private final long startNanos = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ProgressBar bar;

    Job(String label, long total, ProgressListener listener, boolean wantBar) {
        this.label = label;
        this.total = total;
        this.listener = listener;
        this.bar = wantBar && stderrIsTerminal() ? new ProgressBarBuilder().setTaskName(label)
                .setInitialMax(total < 0 ? 0 : total).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(200).build() : null;
    }

    /** Whether anyone listens; jobs of plain submits are not tracked. */
    public boolean tracked() {
        return listener != null || bar != null;
    }

    /** Sets the total once a lazily consumed input is exhausted. */
    void total(long value) {
        this.total = value;
        if (bar != null) {
            bar.maxHint(value);
        }
    }

    /** One more task ended. */
    public void taskDone() {
        long d = done.incrementAndGet();
        if (bar != null) {
            bar.stepTo(d);
        }
        if (listener != null) {
            listener.onProgress(event(d));
        }
    }

    ProgressEvent event(long d) {
        long t = total;
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        double seconds = elapsed.toNanos() / 1e9;
        double rate = seconds > 0 ? d / seconds : 0;
        Duration eta = t < 0 || rate == 0 ? null
                : d >= t ? Duration.ZERO : Duration.ofNanos((long) ((t - d) / rate * 1e9));
        return new ProgressEvent(label, d, t, elapsed, rate, eta);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && bar != null) {
            bar.close();
        }
    }

    /**
     * Whether stderr is an interactive terminal: a console that is a terminal, and file
     * descriptor 2 a tty. A bar written into a pipe or a log file is noise.
     */
    static boolean stderrIsTerminal() {
        java.io.Console c = System.console();
        if (c == null || !c.isTerminal()) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
