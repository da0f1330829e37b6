package io.shm4j.pool.internal;

import io.shm4j.pool.PoolException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * One encoded frame of the pool's wire protocol (length prefix included), held as a chain of
 * chunks rather than one array: encoding a task that captures megabytes never grows and copies a
 * buffer, never allocates a humongous array, and the writer sends the chunks as they are. Chunks
 * start small (a typical task frame is a few hundred bytes and fits the first) and double up to
 * {@link #MAX_CHUNK}. A frame that fits its first chunk is kept as one array of its exact size:
 * {@code map} encodes all its items' frames before they are sent, so what each one keeps alive
 * is what the collector copies (300,000 empty tasks kept ~95 MB alive with a 256-byte chunk per
 * 25-byte frame, ~25 MB trimmed).
 *
 * <p>Immutable once {@linkplain Output#finish() finished}; the same frame may be sent again (a
 * task retried on another worker, a DEFINE sent to each worker).
 */
final class Frame {
    static final int FIRST_CHUNK = 256;
    static final int MAX_CHUNK = 64 << 10;

    /** The whole frame when it fits one chunk (then {@link #chunks} is null). */
    private final byte[] single;
    private final byte[][] chunks;
    private final int lastCount;
    private final int size;

    private Frame(byte[] single) {
        this.single = single;
        this.chunks = null;
        this.lastCount = single.length;
        this.size = single.length;
    }

    private Frame(byte[][] chunks, int lastCount, int size) {
        this.single = null;
        this.chunks = chunks;
        this.lastCount = lastCount;
        this.size = size;
    }

    /** The frame's length on the wire, prefix included. */
    int size() {
        return size;
    }

    /** Writes the frame. */
    void writeTo(OutputStream out) throws IOException {
        if (single != null) {
            out.write(single);
            return;
        }
        int last = chunks.length - 1;
        for (int i = 0; i < last; i++) {
            out.write(chunks[i]);
        }
        out.write(chunks[last], 0, lastCount);
    }

    /** The frame as one array (tests, small frames). */
    byte[] toByteArray() {
        if (single != null) {
            return single.clone();
        }
        byte[] b = new byte[size];
        int at = 0;
        for (int i = 0; i < chunks.length; i++) {
            int n = i == chunks.length - 1 ? lastCount : chunks[i].length;
            System.arraycopy(chunks[i], 0, b, at, n);
            at += n;
        }
        return b;
    }

    /**
     * Collects a frame's bytes: the first four are the length prefix, reserved here and written
     * by {@link #finish()}. Not thread-safe.
     */
    static final class Output extends OutputStream {
        private byte[][] chunks; // made when a frame outgrows its first chunk: most never do
        private int full; // chunks before the current one, all full
        private byte[] current = new byte[FIRST_CHUNK];
        private int count = 4; // the length prefix
        private long size; // bytes in the full chunks

        @Override
        public void write(int b) {
            if (count == current.length) {
                next();
            }
            current[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            while (len > 0) {
                if (count == current.length) {
                    next();
                }
                int n = Math.min(len, current.length - count);
                System.arraycopy(b, off, current, count, n);
                count += n;
                off += n;
                len -= n;
            }
        }

        private void next() {
            if (chunks == null) {
                chunks = new byte[8][];
            } else if (full == chunks.length) {
                chunks = Arrays.copyOf(chunks, full * 2);
            }
            chunks[full++] = current;
            size += current.length;
            if (size > Wire.MAX_FRAME) {
                throw tooLarge(size);
            }
            current = new byte[Math.min(current.length * 2, MAX_CHUNK)];
            count = 0;
        }

        /** Writes the length prefix and returns the frame. */
        Frame finish() {
            long total = size + count;
            if (total - 4 > Wire.MAX_FRAME) {
                throw tooLarge(total);
            }
            int length = (int) total - 4;
            byte[] head = full == 0 ? current : chunks[0];
            head[0] = (byte) (length >>> 24);
            head[1] = (byte) (length >>> 16);
            head[2] = (byte) (length >>> 8);
            head[3] = (byte) length;
            if (full == 0) {
                return new Frame(count == current.length ? current : Arrays.copyOf(current, count));
            }
            byte[][] all = Arrays.copyOf(chunks, full + 1);
            all[full] = current;
            return new Frame(all, count, (int) total);
        }

        private static PoolException tooLarge(long bytes) {
            return new PoolException("frame too large to send: bytes>=" + bytes + ", max=" + Wire.MAX_FRAME
                    + "; pass large data as a shared array or frame ref instead of capturing it in the task");
        }
    }
}
