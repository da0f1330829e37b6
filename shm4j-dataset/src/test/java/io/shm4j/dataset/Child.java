package io.shm4j.dataset;

import io.shm4j.testkit.Processes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A running {@link DatasetChild} JVM whose output lines the test waits on, with deadlines. */
final class Child implements AutoCloseable {
    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final java.util.concurrent.CompletableFuture<String> stderr;

    private Child(Process process) {
        this.process = process;
        Thread.startVirtualThread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null;) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // process gone
            }
        });
        stderr = Processes.readAsync(process.getErrorStream());
    }

    static Child start(String... args) {
        try {
            return new Child(Processes.javaBuilder(DatasetChild.class, args).start());
        } catch (IOException e) {
            throw new AssertionError("cannot start child JVM", e);
        }
    }

    /** Waits for the next output line starting with {@code prefix} (other lines are skipped). */
    String await(String prefix, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        try {
            while (true) {
                String l = lines.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l != null && l.startsWith(prefix)) {
                    return l;
                }
                if (l == null && (System.nanoTime() > end || !process.isAlive() && lines.isEmpty())) {
                    if (!process.isAlive() && lines.isEmpty() && System.nanoTime() <= end) {
                        // drained: the process exited without the line
                    }
                    throw new AssertionError("child did not print " + prefix + ": alive=" + process.isAlive()
                            + ", deadline=" + deadline + "\nstderr:\n" + (process.isAlive() ? "" : stderr.join()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    void send(String line) {
        try {
            OutputStream out = process.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new AssertionError("cannot write to child", e);
        }
    }

    /** Closes the child's stdin: a child blocked reading it goes on to its normal exit. */
    void endInput() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new AssertionError("cannot close the child's stdin", e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** Waits for a normal exit and fails with its stderr otherwise. */
    void assertExitsOk(Duration deadline) {
        try {
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("child did not exit: deadline=" + deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("child failed: exit=" + process.exitValue() + "\nstderr:\n" + stderr.join());
        }
    }

    void kill9() {
        Processes.kill9(process.toHandle());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill9();
        }
    }
}
