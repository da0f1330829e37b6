package io.shm4j.pool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameTest {
    private static byte[] body(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static Frame frame(byte[] body) {
        Frame.Output out = new Frame.Output();
        out.write(body, 0, body.length);
        return out.finish();
    }

    private static byte[] expected(byte[] body) {
        byte[] b = new byte[body.length + 4];
        b[0] = (byte) (body.length >>> 24);
        b[1] = (byte) (body.length >>> 16);
        b[2] = (byte) (body.length >>> 8);
        b[3] = (byte) body.length;
        System.arraycopy(body, 0, b, 4, body.length);
        return b;
    }

    private static byte[] written(Frame f) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        f.writeTo(out);
        return out.toByteArray();
    }

    @Test
    void shouldWriteTheLengthPrefixAndBodyOfFramesOfEverySize() throws IOException {
        for (int n : new int[] {0, 1, 21, Frame.FIRST_CHUNK - 4, Frame.FIRST_CHUNK - 3, Frame.FIRST_CHUNK,
                3 * Frame.FIRST_CHUNK, Frame.MAX_CHUNK, 5 * Frame.MAX_CHUNK + 7}) {
            Frame f = frame(body(n));
            assertThat(f.size()).as("size of n=%d", n).isEqualTo(n + 4);
            assertThat(written(f)).as("bytes of n=%d", n).isEqualTo(expected(body(n)));
            assertThat(f.toByteArray()).as("array of n=%d", n).isEqualTo(expected(body(n)));
            assertThat(written(f)).as("a frame may be sent again: n=%d", n).isEqualTo(expected(body(n)));
        }
    }

    @Test
    void shouldWriteAFrameThatFitsItsFirstChunkAsOneArrayOfItsOwnSize() throws IOException {
        byte[][] writes = new byte[1][];
        Frame f = frame(body(21));
        f.writeTo(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                throw new AssertionError("one array expected");
            }

            @Override
            public void write(byte[] b, int off, int len) {
                assertThat(writes[0]).as("one write").isNull();
                assertThat(off).isZero();
                assertThat(len).isEqualTo(b.length); // the frame keeps no unused chunk space alive
                writes[0] = b;
            }
        });
        assertThat(writes[0]).isEqualTo(expected(body(21)));
    }
}
