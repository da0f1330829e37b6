package io.shm4j.dataset;

import io.shm4j.segment.SegmentKind;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The layout of a dataset's control segment (one page, mutable, kind {@code dataset}), and the
 * names of its version segments. All fields are little-endian (the host order on x86-64 and
 * aarch64 Linux).
 *
 * <pre>
 *   0                   8         12        16                  24
 *   +-------------------+---------+---------+-------------------+
 *   | magic "SHM4JDS1"  | layout  | kind of | current version k |  k = 0: nothing published yet
 *   |                   | version | versions| (acquire/release) |
 *   +-------------------+---------+---------+-------------------+
 *   24                  32                  40                  48
 *   +-------------------+-------------------+-------------------+
 *   | writer lock       | publish count     | last publish      |
 *   | (CAS; 0 = free,   |                   | (epoch millis)    |
 *   |  else pid/start)  |                   |                   |
 *   +-------------------+-------------------+-------------------+
 *   48 .. 4096: zero (reserved)
 * </pre>
 *
 * <ul>
 *   <li><b>kind of versions</b>: {@value #KIND_ARRAY} = array ({@code .npy}),
 *       {@value #KIND_FRAME} = frame (Arrow IPC).</li>
 *   <li><b>current version</b>: the number {@code k} of the version readers should use; its
 *       bytes are the segment {@code NAME@v<k>}. Written with release by the writer holding the
 *       lock, after that segment is published; read with acquire (the reader's fast path).</li>
 *   <li><b>writer lock</b>: 0 when free, else {@code pid << 41 | startTicks} of the holder
 *       (a pid fits in 22 bits on Linux, clock ticks since boot in 41). Taken with
 *       compare-and-set; a holder that is no longer running is replaced by compare-and-set.</li>
 * </ul>
 *
 * <p>Version segments are named {@code NAME@v<k>} (k in decimal, from 1); a version being
 * staged by a writer is named {@code NAME@tmp.<pid>.<startTicks>.<hex>}. Both are persistent
 * segments of kind array or frame: standard {@code .npy} / Arrow IPC files.
 */
public final class DatasetLayout {
    /** The magic, first 8 bytes. */
    public static final long MAGIC = MemorySegment.ofArray("SHM4JDS1".getBytes(StandardCharsets.US_ASCII))
            .get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    /** This layout's version. */
    public static final int LAYOUT_VERSION = 1;
    /** Versions are arrays. */
    public static final int KIND_ARRAY = 1;
    /** Versions are frames. */
    public static final int KIND_FRAME = 2;

    /** Offset of the magic. */
    public static final long MAGIC_OFFSET = 0;
    /** Offset of the layout version (int32). */
    public static final long LAYOUT_VERSION_OFFSET = 8;
    /** Offset of the kind of versions (int32). */
    public static final long KIND_OFFSET = 12;
    /** Offset of the current version number (int64). */
    public static final long CURRENT_OFFSET = 16;
    /** Offset of the writer lock word (int64). */
    public static final long LOCK_OFFSET = 24;
    /** Offset of the publish count (int64). */
    public static final long PUBLISH_COUNT_OFFSET = 32;
    /** Offset of the last publish time (int64, epoch millis). */
    public static final long LAST_PUBLISH_OFFSET = 40;
    /** Size of the control segment. */
    public static final long SIZE = 4096;

    /** Separator between a dataset's name and a version suffix. */
    public static final String SEPARATOR = "@";
    private static final String VERSION_INFIX = SEPARATOR + "v";
    private static final String STAGING_INFIX = SEPARATOR + "tmp.";
    /** Longest suffix appended to a dataset name, in bytes ({@code @tmp.} + pid + ticks + 16 hex). */
    static final int MAX_SUFFIX_BYTES = 64;

    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private DatasetLayout() {}

    /** The name of version {@code k} of dataset {@code name}. */
    public static String versionName(String name, long k) {
        return name + VERSION_INFIX + k;
    }

    /** The version number if {@code segmentName} is a version of {@code name}, else -1. */
    public static long versionOf(String name, String segmentName) {
        String prefix = name + VERSION_INFIX;
        if (!segmentName.startsWith(prefix)) {
            return -1;
        }
        return parsePositive(segmentName.substring(prefix.length()));
    }

    /** The dataset a version name belongs to ({@code emb@v3} → {@code emb}), or null. */
    public static String datasetOfVersion(String segmentName) {
        int at = segmentName.lastIndexOf(VERSION_INFIX);
        if (at <= 0 || parsePositive(segmentName.substring(at + VERSION_INFIX.length())) < 0) {
            return null;
        }
        return segmentName.substring(0, at);
    }

    /** The staging name of a version being built by process {@code pid}/{@code startTicks}. */
    static String stagingName(String name, long pid, long startTicks, String hex) {
        return name + STAGING_INFIX + pid + "." + startTicks + "." + hex;
    }

    /**
     * The dataset and creator of a staging name: {@code [dataset, pid, startTicks]}, or null if
     * {@code segmentName} is not one.
     */
    static Object[] parseStaging(String segmentName) {
        int at = segmentName.lastIndexOf(STAGING_INFIX);
        if (at <= 0) {
            return null;
        }
        String[] p = segmentName.substring(at + STAGING_INFIX.length()).split("\\.");
        if (p.length != 3 || !p[2].matches("[0-9a-f]{16}")) {
            return null;
        }
        long pid = parsePositive(p[0]);
        long ticks = parsePositive(p[1]);
        if (pid < 0 || ticks < 0) {
            return null;
        }
        return new Object[] {segmentName.substring(0, at), pid, ticks};
    }

    private static long parsePositive(String s) {
        if (s.isEmpty() || s.length() > 18 || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    /** The lock word of a process. */
    static long lockWord(long pid, long startTicks) {
        return (pid << 41) | (startTicks & ((1L << 41) - 1));
    }

    /** The pid in a lock word. */
    static long lockPid(long word) {
        return word >>> 41;
    }

    /** The start ticks in a lock word. */
    static long lockStartTicks(long word) {
        return word & ((1L << 41) - 1);
    }

    /** The version code of a segment kind. */
    static int kindCode(SegmentKind kind) {
        return switch (kind) {
            case ARRAY -> KIND_ARRAY;
            case FRAME -> KIND_FRAME;
            default -> throw new IllegalArgumentException("versions are arrays or frames: kind=" + kind.label());
        };
    }

    /** The segment kind of a version code. */
    static SegmentKind kindOf(int code) {
        return switch (code) {
            case KIND_ARRAY -> SegmentKind.ARRAY;
            case KIND_FRAME -> SegmentKind.FRAME;
            default -> throw new DatasetFormatException("unknown kind of versions: code=" + code);
        };
    }

    /** Writes a fresh header (magic last, so a half-initialized page never passes {@link #check}). */
    static void initialize(MemorySegment control, SegmentKind kind) {
        control.set(ValueLayout.JAVA_INT, LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
        control.set(ValueLayout.JAVA_INT, KIND_OFFSET, kindCode(kind));
        LONG.setRelease(control, CURRENT_OFFSET, 0L);
        LONG.setRelease(control, MAGIC_OFFSET, MAGIC);
    }

    /**
     * Checks a control segment's header.
     *
     * @return the kind of versions
     * @throws DatasetFormatException if it is not a dataset control segment of this layout
     */
    static SegmentKind check(String name, MemorySegment control) {
        if (control.byteSize() < SIZE) {
            throw new DatasetFormatException("not a dataset control segment: name=" + name
                    + ", size=" + control.byteSize() + ", expected=" + SIZE);
        }
        long magic = (long) LONG.getAcquire(control, MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new DatasetFormatException("not a dataset control segment: name=" + name
                    + ", magic=0x" + Long.toHexString(magic) + "; expected \"SHM4JDS1\"");
        }
        int v = control.get(ValueLayout.JAVA_INT, LAYOUT_VERSION_OFFSET);
        if (v != LAYOUT_VERSION) {
            throw new DatasetFormatException("unsupported dataset layout: name=" + name + ", version=" + v
                    + ", supported=" + LAYOUT_VERSION + "; use the shm4j version that created it");
        }
        return kindOf(control.get(ValueLayout.JAVA_INT, KIND_OFFSET));
    }
}
