package io.shm4j.bench.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The data-handler pattern, the Java counterpart of Python's data-handler process: one process
 * owns the records (on its heap) and answers requests for slices of a column over a Unix-domain
 * socket; workers ask for the column slice by slice and never hold more than one slice.
 *
 * <p>Protocol (little-endian): a request is one op byte and two int64 {@code lo, hi};
 * {@link #ROWS} answers the row count as one int64, {@link #VALUES} answers
 * {@code hi - lo} float64 values of the value column. The server serves each connection on its
 * own virtual thread and exits when its parent dies or its stdin closes.
 *
 * <p>Ownership: {@link Server} (the caller's handle) owns the process, the socket and its
 * private directory, and removes all of them on close. Client connections are cached per worker
 * process and per socket path.
 */
final class DataHandler {
    static final byte ROWS = 1;
    static final byte VALUES = 2;
    /** Rows per request: 8 MB of float64, as Python's data handler. */
    static final int CHUNK = 1 << 20;

    private DataHandler() {}

    /** The server process: {@code DataHandler SOCKET RECORDS}. Prints "ready" once listening. */
    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        long n = Long.parseLong(args[1]);
        Records.RecordArrays records = Records.RecordArrays.build(Math.toIntExact(n));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread.ofPlatform().daemon().start(() -> {  // exit when the owner closes our stdin
                try {
                    while (System.in.read() >= 0) {
                        // nothing is sent: wait for end of input
                    }
                } catch (IOException ignored) {
                    // the owner is gone
                }
                System.exit(0);
            });
            System.out.println("ready");
            System.out.flush();
            while (true) {
                SocketChannel client = server.accept();
                Thread.ofVirtual().start(() -> serve(client, records.value()));
            }
        }
    }

    private static void serve(SocketChannel client, double[] value) {
        ByteBuffer request = ByteBuffer.allocate(17).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer answer = ByteBuffer.allocateDirect(CHUNK * 8).order(ByteOrder.LITTLE_ENDIAN);
        try (client) {
            while (true) {
                request.clear();
                while (request.hasRemaining()) {
                    if (client.read(request) < 0) {
                        return;
                    }
                }
                request.flip();
                byte op = request.get();
                int lo = Math.toIntExact(request.getLong());
                int hi = Math.toIntExact(request.getLong());
                answer.clear();
                if (op == ROWS) {
                    answer.putLong(value.length);
                } else {
                    if (hi - lo > CHUNK) {
                        ByteBuffer big = ByteBuffer.allocate((hi - lo) * 8).order(ByteOrder.LITTLE_ENDIAN);
                        big.asDoubleBuffer().put(value, lo, hi - lo);
                        writeFully(client, big);
                        continue;
                    }
                    answer.asDoubleBuffer().put(value, lo, hi - lo);
                    answer.position((hi - lo) * 8);
                }
                answer.flip();
                writeFully(client, answer);
            }
        } catch (IOException e) {
            // the worker went away
        }
    }

    private static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    // ---------------------------------------------------------------- the worker's side

    private static final ConcurrentHashMap<String, Client> CLIENTS = new ConcurrentHashMap<>();

    /** A worker's connection to a data handler, with its reusable buffers. */
    private record Client(SocketChannel channel, ByteBuffer request, ByteBuffer answer) {
        static Client connect(String socket) {
            try {
                return new Client(SocketChannel.open(UnixDomainSocketAddress.of(socket)),
                        ByteBuffer.allocate(17).order(ByteOrder.LITTLE_ENDIAN),
                        ByteBuffer.allocateDirect(CHUNK * 8).order(ByteOrder.LITTLE_ENDIAN));
            } catch (IOException e) {
                throw new IllegalStateException("cannot connect to the data handler: socket=" + socket, e);
            }
        }

        synchronized ByteBuffer ask(byte op, long lo, long hi, int answerBytes) throws IOException {
            request.clear();
            request.put(op).putLong(lo).putLong(hi).flip();
            writeFully(channel, request);
            answer.clear().limit(answerBytes);
            while (answer.hasRemaining()) {
                if (channel.read(answer) < 0) {
                    throw new IOException("data handler closed the connection");
                }
            }
            return answer.flip();
        }
    }

    /** The value column's nansum, asked from the data handler at {@code socket} slice by slice. */
    static Double nansum(String socket) {
        try {
            return nansum(CLIENTS.computeIfAbsent(socket, Client::connect));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("data handler request failed: socket=" + socket, e);
        }
    }

    private static double nansum(Client c) throws IOException {
        long rows = c.ask(ROWS, 0, 0, 8).getLong();
        double s0 = 0;
        double s1 = 0;
        for (long lo = 0; lo < rows; lo += CHUNK) {
            long hi = Math.min(rows, lo + CHUNK);
            ByteBuffer b = c.ask(VALUES, lo, hi, (int) (hi - lo) * 8);
            int k = (int) (hi - lo);
            int i = 0;
            for (; i + 1 < k; i += 2) {
                double a = b.getDouble(i * 8);
                double d = b.getDouble(i * 8 + 8);
                s0 += a == a ? a : 0.0;
                s1 += d == d ? d : 0.0;
            }
            for (; i < k; i++) {
                double a = b.getDouble(i * 8);
                s0 += a == a ? a : 0.0;
            }
        }
        return s0 + s1;
    }

    // ---------------------------------------------------------------- the caller's handle

    /** A running data-handler process, its socket and its private directory. */
    static final class Server implements AutoCloseable {
        private final Process process;
        private final Path dir;
        private final Path socket;

        private Server(Process process, Path dir, Path socket) {
            this.process = process;
            this.dir = dir;
            this.socket = socket;
        }

        /** Starts a handler owning {@code records} records; returns once it listens. */
        static Server start(long records) throws IOException, InterruptedException {
            Path dir = Files.createTempDirectory("shm4j-handler-"); // 0700: nobody else can plant the socket
            Path socket = dir.resolve("s");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(List.of(java, "-Xmx2g", "-XX:+UseParallelGC", "-cp",
                    System.getProperty("java.class.path"), DataHandler.class.getName(), socket.toString(),
                    Long.toString(records))).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Server server = new Server(p, dir, socket);
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line = out.readLine();
                if (!"ready".equals(line)) {
                    throw new IOException("data handler did not start: exitCode="
                            + (p.isAlive() ? "running" : p.exitValue()) + ", said=" + line);
                }
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
            return server;
        }

        String socket() {
            return socket.toString();
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } finally {
                Files.deleteIfExists(socket);
                Files.deleteIfExists(dir);
            }
        }
    }
}
