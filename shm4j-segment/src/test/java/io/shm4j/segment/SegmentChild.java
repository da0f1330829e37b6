package io.shm4j.segment;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The second JVM of the multi-process tests. */
public final class SegmentChild {
    private SegmentChild() {}

    /** The byte the tests write at offset {@code i}. */
    static byte pattern(long i) {
        return (byte) (i * 31 + 7);
    }

    static long checksum(MemorySegment m) {
        long sum = 0;
        for (long i = 0; i < m.byteSize(); i++) {
            sum = sum * 1_000_003 + m.get(ValueLayout.JAVA_BYTE, i);
        }
        return sum;
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "write-persistent" -> {
                long size = Long.parseLong(args[2]);
                try (PendingSegment p = Segment.reserve(SegmentSpec.of(size).withName(args[1]).persistent())) {
                    for (long i = 0; i < size; i++) {
                        p.memory().set(ValueLayout.JAVA_BYTE, i, pattern(i));
                    }
                    p.publish().close();
                }
            }
            case "checksum" -> {
                try (Segment s = Segment.attach(args[1])) {
                    System.out.println(checksum(s.memory()));
                }
            }
            case "hold" -> {
                Segment scoped = Segment.create(ShmOptions.named(args[1]).asMutable(), 4096);
                try (PendingSegment p = Segment.reserve(SegmentSpec.of(4096).withName(args[2]).persistent())) {
                    p.publish().close();
                }
                PendingSegment unfinished = Segment.reserve(SegmentSpec.of(1 << 20));
                System.out.println("READY " + scoped.name() + " " + unfinished.name());
                System.out.flush();
                System.in.read(); // blocks until killed
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
