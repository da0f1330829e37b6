package io.shm4j.segment.internal;

import io.shm4j.segment.Lifetime;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.SegmentKind;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * shm4j's bookkeeping for one segment, kept in the extended attribute {@value #XATTR} of the
 * segment file, never in its bytes. Layout (ASCII, version first):
 *
 * <pre>
 *   v=1;kind=array;life=scoped;pid=4242;start=123456;gen=9f1c2a7e55d0b3a1;created=1763730000000;mutable=0;pidns=4026531836
 * </pre>
 *
 * Unknown keys are ignored (a newer writer may add some); a different {@code v} is rejected.
 * {@code pidns} is the inode of the owner's pid namespace: a pid means nothing in another
 * namespace (containers sharing a tmpfs), so liveness is only judged within the same one.
 *
 * @param kind what the bytes hold
 * @param lifetime scoped or persistent
 * @param owner the owning process
 * @param generation random incarnation number
 * @param createdMillis creation time
 * @param mutable whether writes are allowed after publication
 * @param pidNamespace the owner's pid namespace inode (0: unknown)
 */
public record SegmentMetadata(SegmentKind kind, Lifetime lifetime, ProcessIdentity owner,
        long generation, long createdMillis, boolean mutable, long pidNamespace) {

    /** Metadata for a segment owned by a process in this process's pid namespace. */
    public SegmentMetadata(SegmentKind kind, Lifetime lifetime, ProcessIdentity owner,
            long generation, long createdMillis, boolean mutable) {
        this(kind, lifetime, owner, generation, createdMillis, mutable, ProcessIdentity.currentPidNamespace());
    }

    /**
     * Whether the owner may still be running: false only when it is known dead. An owner in
     * another pid namespace cannot be checked and counts as alive, so gc never removes it.
     */
    public boolean ownerMayBeAlive() {
        return owner.mayBeAlive(pidNamespace);
    }

    /** The extended attribute's name without the {@code user.} namespace (Java adds it). */
    public static final String XATTR = "shm4j";
    /** The metadata version this code writes and reads. */
    public static final int VERSION = 1;

    /** Encodes as the attribute value. */
    public byte[] encode() {
        String s = "v=" + VERSION + ";kind=" + kind.label()
                + ";life=" + (lifetime == Lifetime.SCOPED ? "scoped" : "persistent")
                + ";pid=" + owner.pid() + ";start=" + owner.startTicks()
                + ";gen=" + Long.toHexString(generation)
                + ";created=" + createdMillis
                + ";mutable=" + (mutable ? 1 : 0)
                + (pidNamespace != 0 ? ";pidns=" + pidNamespace : "");
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Decodes an attribute value.
     *
     * @throws IllegalArgumentException with the reason, if the value is not version-1 metadata
     */
    public static SegmentMetadata decode(byte[] value) {
        String s = new String(value, StandardCharsets.US_ASCII);
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : s.split(";")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("malformed metadata entry: entry=" + part);
            }
            kv.put(part.substring(0, eq), part.substring(eq + 1));
        }
        String v = kv.get("v");
        if (!Integer.toString(VERSION).equals(v)) {
            throw new IllegalArgumentException("unsupported metadata version: v=" + v
                    + ", supported=" + VERSION);
        }
        try {
            SegmentKind kind = SegmentKind.ofLabel(req(kv, "kind"));
            Lifetime life = switch (req(kv, "life")) {
                case "scoped" -> Lifetime.SCOPED;
                case "persistent" -> Lifetime.PERSISTENT;
                default -> throw new IllegalArgumentException("unknown lifetime: life=" + kv.get("life"));
            };
            ProcessIdentity owner = new ProcessIdentity(Long.parseLong(req(kv, "pid")),
                    Long.parseLong(req(kv, "start")));
            long gen = Long.parseUnsignedLong(req(kv, "gen"), 16);
            long created = Long.parseLong(req(kv, "created"));
            boolean mutable = "1".equals(kv.getOrDefault("mutable", "0"));
            long pidns = Long.parseLong(kv.getOrDefault("pidns", "0"));
            return new SegmentMetadata(kind, life, owner, gen, created, mutable, pidns);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed metadata number: " + e.getMessage(), e);
        }
    }

    private static String req(Map<String, String> kv, String key) {
        String v = kv.get(key);
        if (v == null) {
            throw new IllegalArgumentException("metadata lacks a key: key=" + key);
        }
        return v;
    }
}
