package io.shm4j.segment;

import io.shm4j.Settings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.ValueLayout;

/** The second JVM of {@link PageStockTest}. */
public final class PageStockChild {
    private PageStockChild() {}

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        switch (args[0]) {
            case "map-and-hold" -> { // maps a segment, reports its checksum, and again when told
                try (Segment s = Segment.attach(args[1])) {
                    System.out.println("MAPPED " + SegmentChild.checksum(s.memory()));
                    System.out.flush();
                    in.readLine();
                    System.out.println("AGAIN " + SegmentChild.checksum(s.memory()));
                    System.out.flush();
                }
            }
            case "stock-and-hold" -> { // fills its page stock, then waits to be killed
                System.setProperty(Settings.PAGE_STOCK_PROPERTY, "64m");
                long size = Long.parseLong(args[1]);
                for (int i = 0; i < 2; i++) {
                    try (PendingSegment p = Segment.reserve(SegmentSpec.of(size))) {
                        p.memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
                        p.publish().close();
                    }
                }
                System.out.println("READY " + ShmDirectory.current().pageStockBytes());
                System.out.flush();
                in.readLine(); // blocks until killed
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
