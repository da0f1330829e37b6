package io.shm4j.bench.workload.serve;

import io.shm4j.array.SharedArray;
import io.shm4j.dataset.Dataset;
import io.shm4j.dataset.DatasetReader;
import io.shm4j.dataset.Follower;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One worker process of workload E: an HTTP server on a port shared with the other workers
 * ({@code SO_REUSEPORT}: the kernel spreads connections over the workers' listening sockets),
 * a thread per connection, each request a top-k over the embedding matrix.
 *
 * <ul>
 *   <li>{@code shm}: the matrix is the current version of a dataset; a {@link Follower} maps and
 *       touches each new version in the background and each connection's thread follows the
 *       handle with a {@link DatasetReader} (one load per request when nothing changed), so
 *       every worker maps the same pages and no request pays for a switch.</li>
 *   <li>{@code shm-inline}: the same without the follower: the first request of each connection
 *       on a new version maps it (the comparison for the follower).</li>
 *   <li>{@code copy} (the baseline): the worker holds its own heap copy, loaded from the
 *       {@code .npy} file the pointer file names, at start and whenever the pointer changes
 *       (a thread polls it every 20 ms, loads the new file beside the old copy, then swaps).</li>
 * </ul>
 *
 * <p><b>Micro-batching</b> ({@code BATCH} &gt; 0, the default 8): connection threads only parse
 * requests and write answers; one scanning thread per worker takes every query waiting when it
 * starts a pass (at most {@code BATCH}) and answers them all in one pass over the matrix
 * ({@link Embeddings#topKBatch}: each row read once, a dot product per query), all from the
 * same version. So a worker scans on one core whatever its number of connections, and a batch
 * of {@code b} queries costs one pass's memory traffic. {@code BATCH} 0: each connection's
 * thread scans for its own requests ({@link Embeddings#topK}), several at once when several
 * connections are busy.
 *
 * <p>Prints {@code ready <pid> <version>} on stdout once listening; exits when stdin closes (so it
 * never outlives the benchmark). Usage: {@code ServeWorker shm|shm-inline|copy PORT NAME|POINTER_FILE [BATCH]}.
 */
public final class ServeWorker {
    /** A version of the matrix: the worker's own copy (baseline), or the dataset's current version. */
    private record Copy(long version, MemorySegment data, long rows) {}

    /** The matrix to answer from: the dataset's current version through {@code reader}, else the held copy. */
    private Copy matrix(DatasetReader<SharedArray> reader) {
        if (reader == null) {
            return copy;
        }
        SharedArray a = reader.current();
        return new Copy(reader.number(), a.data(), a.shape()[0]);
    }

    /** A query waiting for the scanning thread; its connection's thread waits on {@link #done}. */
    private static final class Pending {
        final float[] query;
        final int k;
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        String body;
        RuntimeException failure;

        Pending(float[] query, int k) {
            this.query = query;
            this.k = k;
        }
    }

    /** Default largest batch: queries answered in one pass. */
    static final int DEFAULT_BATCH = 8;

    private final String mode;
    private final String source;
    private volatile Copy copy;
    private Dataset<SharedArray> dataset;
    private final int batch;
    private final java.util.concurrent.LinkedBlockingQueue<Pending> queue = new java.util.concurrent.LinkedBlockingQueue<>();

    private ServeWorker(String mode, String source, int batch) {
        this.mode = mode;
        this.source = source;
        this.batch = batch;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || args.length > 4 || !List.of("shm", "shm-inline", "copy").contains(args[0])) {
            System.err.println("usage: ServeWorker shm|shm-inline|copy PORT NAME|POINTER_FILE [BATCH]");
            System.exit(2);
        }
        Thread.ofPlatform().daemon().name("stdin-watch").start(() -> {
            try {
                System.in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // closed
            }
            Runtime.getRuntime().halt(0);
        });
        int batch = args.length == 4 ? Integer.parseInt(args[3]) : DEFAULT_BATCH;
        new ServeWorker(args[0], args[2], batch).serve(Integer.parseInt(args[1]));
    }

    private void serve(int port) throws IOException {
        long version;
        if (mode.startsWith("shm")) {
            dataset = Dataset.attachArrays(source);
            try (DatasetReader<SharedArray> r = dataset.reader()) {
                r.current();
                version = r.number();
            }
            if (mode.equals("shm")) {
                dataset.follow(Duration.ofMillis(5));
            }
        } else {
            reload();
            version = copy.version();
            Thread.ofPlatform().daemon().name("pointer-poll").start(this::poll);
        }
        if (batch > 0) {
            Thread.ofPlatform().daemon().name("scan").start(this::scanLoop);
        }
        ServerSocketChannel server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(new InetSocketAddress("127.0.0.1", port), 128);
        System.out.println("ready " + ProcessHandle.current().pid() + " " + version);
        System.out.flush();
        while (true) {
            SocketChannel c = server.accept();
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Thread.ofPlatform().daemon().name("conn").start(() -> connection(c));
        }
    }

    private void connection(SocketChannel c) {
        long pid = ProcessHandle.current().pid();
        float[] scores = new float[1000];
        try (c; DatasetReader<SharedArray> reader = dataset != null ? dataset.reader() : null) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(c), 1024);
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(c), 16384);
            for (Http.Request req; (req = Http.readRequest(in)) != null; ) {
                String body;
                if (batch > 0) {
                    Pending p = new Pending(req.query(), req.k());
                    queue.add(p);
                    p.done.await();
                    if (p.failure != null) {
                        Http.writeResponse(out, 500, p.failure + "\n");
                    } else {
                        Http.writeResponse(out, 200, p.body);
                    }
                    continue;
                }
                try {
                    Copy m = matrix(reader);
                    long version = m.version();
                    float[] s = req.k() == scores.length ? scores : new float[req.k()];
                    int[] top = Embeddings.topK(m.data(), m.rows(), req.query(), req.k(), s);
                    StringBuilder b = new StringBuilder(16 * req.k() + 32).append(version).append(' ').append(pid);
                    for (int i = 0; i < top.length; i++) {
                        b.append(' ').append(top[i]).append(' ').append(s[i]);
                    }
                    body = b.append('\n').toString();
                } catch (RuntimeException e) {
                    Http.writeResponse(out, 500, e + "\n");
                    continue;
                }
                Http.writeResponse(out, 200, body);
            }
        } catch (IOException | RuntimeException e) {
            // client went away or sent garbage: drop the connection
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The scanning thread: takes every query waiting (up to {@link #batch}), answers them in one
     * pass over the version it holds, wakes their connections; again.
     */
    private void scanLoop() {
        long pid = ProcessHandle.current().pid();
        List<Pending> taken = new java.util.ArrayList<>(batch);
        try (DatasetReader<SharedArray> reader = dataset != null ? dataset.reader() : null) {
            while (true) {
                taken.clear();
                taken.add(queue.take());
                queue.drainTo(taken, batch - 1);
                try {
                    long t0 = System.nanoTime();
                    long cpu0 = PassTrace.ON ? PassTrace.threadCpu() : 0;
                    Copy m = matrix(reader);
                    long t1 = System.nanoTime();
                    long version = m.version();
                    int n = taken.size();
                    int k = 0;
                    for (Pending p : taken) {
                        k = Math.max(k, p.k);
                    }
                    float[][] qs = new float[n][];
                    float[][] scores = new float[n][k];
                    for (int i = 0; i < n; i++) {
                        qs[i] = taken.get(i).query;
                    }
                    int[][] top = Embeddings.topKBatch(m.data(), m.rows(), qs, k, scores);
                    if (PassTrace.ON) {
                        PassTrace.pass(t0, t1, System.nanoTime(), n, version, PassTrace.threadCpu() - cpu0);
                    }
                    for (int i = 0; i < n; i++) {
                        Pending p = taken.get(i);
                        StringBuilder b = new StringBuilder(16 * p.k + 32).append(version).append(' ').append(pid);
                        for (int j = 0; j < p.k; j++) {
                            b.append(' ').append(top[i][j]).append(' ').append(scores[i][j]);
                        }
                        p.body = b.append('\n').toString();
                    }
                } catch (RuntimeException e) {
                    for (Pending p : taken) {
                        p.failure = e;
                    }
                }
                for (Pending p : taken) {
                    p.done.countDown();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A diagnostic: with {@code SHM4J_SERVE_TRACE=PREFIX} in the environment, each pass of the
     * scanning thread appends a line to {@code PREFIX.<pid>} (a new file; an existing one or a
     * link is refused): its start ({@code System.nanoTime}, the same clock as the driver's
     * {@code TRACE publish} lines on stderr), the microseconds {@code current()} took, the pass's
     * wall and CPU microseconds, its queries, its version and the thread's minor page faults so
     * far. How the slow first pass over each new version was found (docs/dataset.md).
     */
    private static final class PassTrace {
        static final String PREFIX = System.getenv("SHM4J_SERVE_TRACE");
        static final boolean ON = PREFIX != null && !PREFIX.isBlank();
        private static final java.lang.management.ThreadMXBean THREADS =
                ON ? java.lang.management.ManagementFactory.getThreadMXBean() : null; // off: no management classes loaded
        private static java.io.PrintStream out;
        private static boolean failed;

        static long threadCpu() {
            return THREADS.getCurrentThreadCpuTime();
        }

        static synchronized void pass(long t0, long t1, long t2, int queries, long version, long cpuNanos) {
            if (failed) {
                return;
            }
            try {
                if (out == null) {
                    out = new java.io.PrintStream(Files.newOutputStream(Path.of(PREFIX + "." + ProcessHandle.current().pid()),
                            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE), true,
                            StandardCharsets.US_ASCII);
                }
                String stat = Files.readString(Path.of("/proc/thread-self/stat"), StandardCharsets.US_ASCII);
                String minflt = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7];
                out.printf("%d %d %d %d %d %d %s%n", t0, (t1 - t0) / 1000, (t2 - t1) / 1000, cpuNanos / 1000, queries,
                        version, minflt);
            } catch (IOException | RuntimeException e) {
                failed = true;
                System.err.println("SHM4J_SERVE_TRACE: tracing off: " + e);
            }
        }
    }

    private void poll() {
        while (true) {
            try {
                Thread.sleep(20); // the baseline's own update check, not a test wait
                reload();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                System.err.println("reload failed: " + e);
            }
        }
    }

    /** Loads the version the pointer file names, if it is not the one held. */
    private void reload() throws IOException {
        String[] p = Files.readString(Path.of(source), StandardCharsets.UTF_8).strip().split(" ", 2);
        long v = Long.parseLong(p[0]);
        Copy held = copy;
        if (held != null && held.version() == v) {
            return;
        }
        try (SharedArray a = SharedArray.open(Path.of(p[1]))) {
            long rows = a.shape()[0];
            float[] heap = new float[Math.toIntExact(a.size())];
            MemorySegment data = MemorySegment.ofArray(heap);
            MemorySegment.copy(a.data(), 0, data, 0, data.byteSize());
            copy = new Copy(v, data, rows);
        }
    }
}
