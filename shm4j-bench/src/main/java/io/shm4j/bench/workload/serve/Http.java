package io.shm4j.bench.workload.serve;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The little HTTP/1.1 that workload E speaks, both sides: {@code POST /knn?k=K} with a body of
 * 64 little-endian float32 (the query), answered {@code 200} with a text body
 * {@code "<version> <pid> <idx> <score> ..."} (best first); keep-alive; errors are {@code 500}
 * with the reason as body. Enough for a load generator and workers we control, and what curl
 * speaks: {@code curl --data-binary @q.bin 'http://127.0.0.1:PORT/knn?k=10'}.
 *
 * <p>Stateless; each connection is used by one thread.
 */
final class Http {
    static final int QUERY_BYTES = Embeddings.DIM * Float.BYTES;
    private static final int MAX_HEAD = 8192;

    private Http() {}

    /** A request: its top-k and query vector; null at end of stream. */
    record Request(int k, float[] query) {}

    /** Reads one request; null when the client closed the connection between requests. */
    static Request readRequest(InputStream in) throws IOException {
        String head = readHead(in);
        if (head == null) {
            return null;
        }
        String[] lines = head.split("\r\n");
        String[] first = lines[0].split(" ");
        if (first.length != 3 || !first[0].equals("POST") || !first[1].startsWith("/knn")) {
            throw new IOException("bad request line: " + lines[0]);
        }
        int k = 10;
        int q = first[1].indexOf("k=");
        if (q >= 0) {
            k = Integer.parseInt(first[1].substring(q + 2).split("&")[0]);
        }
        if (k < 1 || k > 1000) {
            throw new IOException("k out of range: k=" + k);
        }
        int length = contentLength(lines);
        if (length != QUERY_BYTES) {
            throw new IOException("query must be " + QUERY_BYTES + " bytes: content-length=" + length);
        }
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
            throw new EOFException("body cut short");
        }
        float[] v = new float[Embeddings.DIM];
        ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return new Request(k, v);
    }

    static void writeRequest(OutputStream out, float[] query, int k) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(QUERY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(query);
        String head = "POST /knn?k=" + k + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + QUERY_BYTES + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + QUERY_BYTES];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(b.array(), 0, all, h.length, QUERY_BYTES);
        out.write(all);
        out.flush();
    }

    static void writeResponse(OutputStream out, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + (status == 200 ? " OK" : " Error") + "\r\nContent-Type: text/plain\r\n"
                + "Content-Length: " + b.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[h.length + b.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        out.write(all);
        out.flush();
    }

    /** Reads one response: its status and body. */
    record Response(int status, String body) {}

    static Response readResponse(InputStream in) throws IOException {
        String head = readHead(in);
        if (head == null) {
            throw new EOFException("server closed the connection");
        }
        String[] lines = head.split("\r\n");
        String[] first = lines[0].split(" ", 3);
        int status = Integer.parseInt(first[1]);
        int length = contentLength(lines);
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
            throw new EOFException("response body cut short");
        }
        return new Response(status, new String(body, StandardCharsets.UTF_8));
    }

    private static int contentLength(String[] lines) throws IOException {
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0 && lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                return Integer.parseInt(lines[i].substring(c + 1).trim());
            }
        }
        throw new IOException("no content-length");
    }

    /** Reads up to the blank line; null on end of stream before any byte. */
    private static String readHead(InputStream in) throws IOException {
        byte[] buf = new byte[MAX_HEAD];
        int n = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                if (n == 0) {
                    return null;
                }
                throw new EOFException("connection closed in the middle of a message");
            }
            if (n == buf.length) {
                throw new IOException("message head longer than " + MAX_HEAD + " bytes");
            }
            buf[n++] = (byte) c;
            if (n >= 4 && buf[n - 4] == '\r' && buf[n - 3] == '\n' && buf[n - 2] == '\r' && buf[n - 1] == '\n') {
                return new String(buf, 0, n - 4, StandardCharsets.US_ASCII);
            }
        }
    }
}
