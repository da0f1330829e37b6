package io.shm4j.store.internal;

import io.shm4j.segment.ProcessIdentity;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's extended attributes on an object file (beside the segment layer's
 * {@code user.shm4j}):
 *
 * <pre>
 *   user.shm4j.obj              v=1;store=STORE;gen=&lt;hex&gt;;codec=&lt;id&gt;
 *   user.shm4j.pin.PID.START.NS (empty) one per pinning process, set and removed only by it
 *                               (or erased by a lock holder once that process is dead)
 * </pre>
 *
 * Because each process writes only its own attribute there are no lost updates between
 * processes, and a crash leaves a pin that liveness checks ignore.
 *
 * <p>Thread-safe (stateless). Methods throw {@link NoSuchFileException} when the file is gone.
 */
final class ObjectXattrs {
    static final String META = "shm4j.obj";
    static final String PIN_PREFIX = "shm4j.pin.";
    static final int VERSION = 1;

    private ObjectXattrs() {}

    /**
     * What the store records about an object.
     *
     * @param store the store's name
     * @param generation the object's incarnation (the ref's generation)
     * @param codec the codec id
     */
    record Metadata(String store, long generation, String codec) {
        String encode() {
            return "v=" + VERSION + ";store=" + store + ";gen=" + Long.toHexString(generation)
                    + ";codec=" + codec;
        }

        /** Parses {@link #encode()}; null if it is not this version's format. */
        static Metadata decode(String s) {
            String store = null;
            String codec = null;
            Long gen = null;
            boolean version = false;
            for (String kv : s.split(";")) {
                int eq = kv.indexOf('=');
                if (eq < 0) {
                    return null;
                }
                String k = kv.substring(0, eq);
                String v = kv.substring(eq + 1);
                switch (k) {
                    case "v" -> version = v.equals(Integer.toString(VERSION));
                    case "store" -> store = v;
                    case "codec" -> codec = v;
                    case "gen" -> {
                        try {
                            gen = Long.parseUnsignedLong(v, 16);
                        } catch (NumberFormatException e) {
                            return null;
                        }
                    }
                    default -> { } // newer writers may add keys
                }
            }
            return version && store != null && codec != null && gen != null
                    ? new Metadata(store, gen, codec) : null;
        }
    }

    /** The attributes of an object file read in one pass: metadata (null if not yet set) and pinners. */
    record Attributes(Metadata metadata, List<Pin> pinners) {
        /** The pinning processes. */
        List<ProcessIdentity> pins() {
            return pinners.stream().map(Pin::who).toList();
        }
    }

    /**
     * One pin attribute.
     *
     * @param who the pinning process
     * @param pidns the pid namespace it was recorded in (0: unknown)
     * @param attr the attribute's name
     */
    record Pin(ProcessIdentity who, long pidns, String attr) {}

    static Attributes read(Path file) throws IOException {
        UserDefinedFileAttributeView view = view(file);
        List<String> names = view.list();
        Metadata meta = null;
        List<Pin> pins = new ArrayList<>();
        for (String n : names) {
            if (n.equals(META)) {
                meta = Metadata.decode(readString(view, n));
            } else if (n.startsWith(PIN_PREFIX)) {
                String id = n.substring(PIN_PREFIX.length());
                StorePaths.parseIdentity(id).ifPresent(p -> pins.add(new Pin(p, StorePaths.pidNamespaceAt(id, 2), n)));
            }
        }
        return new Attributes(meta, pins);
    }

    static Metadata readMetadata(Path file) throws IOException {
        UserDefinedFileAttributeView view = view(file);
        try {
            return Metadata.decode(readString(view, META));
        } catch (FileSystemException e) {
            if (e instanceof NoSuchFileException) {
                throw e;
            }
            return null; // ENODATA: not set yet
        }
    }

    static void writeMetadata(Path file, Metadata m) throws IOException {
        view(file).write(META, ByteBuffer.wrap(m.encode().getBytes(StandardCharsets.US_ASCII)));
    }

    /** Sets {@code p}'s pin (idempotent). */
    static void pin(Path file, ProcessIdentity p) throws IOException {
        view(file).write(pinName(p), ByteBuffer.allocate(0));
    }

    /** Removes {@code p}'s pin; false if the file is gone. Idempotent. */
    static boolean unpin(Path file, ProcessIdentity p) throws IOException {
        return unpin(file, pinName(p));
    }

    /** Removes the pin attribute {@code attr} (as read); false if the file is gone. Idempotent. */
    static boolean unpin(Path file, String attr) throws IOException {
        UserDefinedFileAttributeView view = view(file);
        try {
            view.delete(attr);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (FileSystemException e) {
            return true; // ENODATA: no such pin
        }
    }

    static String pinName(ProcessIdentity p) {
        return PIN_PREFIX + StorePaths.recorded(p);
    }

    private static UserDefinedFileAttributeView view(Path file) {
        return Files.getFileAttributeView(file, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static String readString(UserDefinedFileAttributeView view, String name) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(256);
        int n = view.read(name, buf);
        return new String(buf.array(), 0, n, StandardCharsets.US_ASCII);
    }
}
