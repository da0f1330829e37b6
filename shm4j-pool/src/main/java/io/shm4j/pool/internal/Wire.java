package io.shm4j.pool.internal;

/**
 * The binary protocol between a pool and its workers, over one Unix-domain stream socket per
 * worker. Every message is one frame; integers are big-endian.
 *
 * <pre>
 *  frame:   +-----------------+---------+------------------------+
 *           | length (int32)  | type u8 | body (length - 1 bytes)|
 *           +-----------------+---------+------------------------+
 *
 *  caller -> worker
 *    TASK     1  taskId i64 | fnId i32 | fnId == 0 ? serialized Task : encoded item ({@link Values})
 *    DEFINE   2  fnId i32 | serialized function        (before the first TASK that uses it)
 *    FORGET   3  fnId i32                              (queued behind the tasks that use it)
 *    RELEASE  4  requestId i64 | name (utf) | generation i64
 *    SHUTDOWN 5  (empty)                               (finish queued tasks, then exit 0)
 *
 *  worker -> caller
 *    HELLO    16 pid i64 | slot i32                    (first frame on a new connection)
 *    OK       17 taskId i64 | runNanos i64 | encoded result ({@link Values}) | published
 *    ERROR    18 taskId i64 | runNanos i64 | class (utf) | message (utf, "" if none)
 *                | frames i32 | frames x (class utf | method utf | file utf | line i32)
 *                | throwable length i32 | serialized throwable (length 0 if it cannot be)
 *                | published
 *      published: count i32 | count x SegmentRef (as in {@link Values}) — the result segments
 *                 the task published for the caller (removed by the caller if nobody takes them)
 *    RELEASED 19 requestId i64 | mappings dropped i32
 * </pre>
 * A worker runs TASK frames one at a time in arrival order and answers each with OK or ERROR
 * in the same order, so the caller matches answers to tasks by order and checks the id.
 * RELEASE is queued with the tasks and handled between them.
 */
final class Wire {
    static final byte TASK = 1;
    static final byte DEFINE = 2;
    static final byte FORGET = 3;
    static final byte RELEASE = 4;
    static final byte SHUTDOWN = 5;
    static final byte HELLO = 16;
    static final byte OK = 17;
    static final byte ERROR = 18;
    static final byte RELEASED = 19;

    /** Frames larger than this are refused as corrupt (a sanity bound, not a design limit). */
    static final int MAX_FRAME = Integer.MAX_VALUE - 64;

    private Wire() {}
}
