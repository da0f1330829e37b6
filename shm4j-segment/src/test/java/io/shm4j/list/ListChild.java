package io.shm4j.list;

/** A second JVM for {@link SharedListInteropTest}: adds 1 to item 0 (int) and 1.0 to item 1 (float) n times. */
public final class ListChild {
    private ListChild() {}

    public static void main(String[] args) {
        int n = Integer.parseInt(args[1]);
        try (SharedList list = SharedList.attach(args[0])) {
            for (int i = 0; i < n; i++) {
                list.getAndAddLong(0, 1);
                list.getAndAddDouble(1, 1.0);
            }
        }
    }
}
