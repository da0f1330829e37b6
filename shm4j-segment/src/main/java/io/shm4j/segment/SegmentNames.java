package io.shm4j.segment;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The naming rules for segments, and unguessable generated names.
 *
 * <p>A name is the file name in the shm directory (what Python's {@code SharedMemory(name=...)}
 * takes): 1 to {@value #MAX_BYTES} bytes of UTF-8, no {@code /}, no NUL or other control
 * character, and not starting with {@code .} (reserved for shm4j's temporary files, and
 * excluding {@code .} and {@code ..}).
 *
 * <p>Thread-safe.
 */
public final class SegmentNames {
    /** Longest name in UTF-8 bytes (Linux NAME_MAX). */
    public static final int MAX_BYTES = 255;
    /** Prefix of generated names. */
    public static final String GENERATED_PREFIX = "shm4j-";
    /** Prefix of temporary files of creations not yet published. */
    static final String TEMP_PREFIX = ".shm4j-tmp.";

    private static final SecureRandom RANDOM = new SecureRandom();

    private SegmentNames() {}

    /**
     * Checks a name against the rules.
     *
     * @return the name
     * @throws InvalidNameException saying which rule it breaks
     */
    public static String validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidNameException("invalid segment name: name is empty; give 1 to "
                    + MAX_BYTES + " characters without '/'");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new InvalidNameException("invalid segment name: length=" + bytes
                    + " bytes, max=" + MAX_BYTES + "; use a shorter name");
        }
        if (name.startsWith(".")) {
            throw new InvalidNameException("invalid segment name: name=" + quote(name)
                    + " starts with '.', which is reserved (and excludes '.' and '..')");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/') {
                throw new InvalidNameException("invalid segment name: name=" + quote(name)
                        + " contains '/' at index=" + i + "; a name is a file name, not a path");
            }
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidNameException("invalid segment name: name=" + quote(name)
                        + " contains a control character (code=" + (int) c + ") at index=" + i);
            }
        }
        return name;
    }

    /** A new unguessable name: {@code shm4j-} and 128 random bits in hex. */
    public static String generate() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return GENERATED_PREFIX + HexFormat.of().formatHex(b);
    }

    /** A random 64-bit generation number, never 0 (0 marks foreign segments). */
    static long newGeneration() {
        long g;
        do {
            g = RANDOM.nextLong();
        } while (g == 0);
        return g;
    }

    /** The temporary file name of a creation by {@code owner}. */
    static String tempName(ProcessIdentity creator) {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return TEMP_PREFIX + creator.pid() + "." + creator.startTicks() + "."
                + HexFormat.of().formatHex(b);
    }

    /**
     * The name of a file in {@code owner}'s page stock ({@link PageStock}): a temporary name whose
     * random part starts with {@code stock-}, so that gc, the store's crash recovery and Python's
     * gc reclaim it as they reclaim any temporary file once {@code owner} is dead.
     */
    static String stockName(ProcessIdentity owner) {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return TEMP_PREFIX + owner.pid() + "." + owner.startTicks() + ".stock-"
                + HexFormat.of().formatHex(b);
    }

    /** The creator named in a temporary file name, if it is one. */
    static Optional<ProcessIdentity> tempCreator(String fileName) {
        if (!fileName.startsWith(TEMP_PREFIX)) {
            return Optional.empty();
        }
        String[] p = fileName.substring(TEMP_PREFIX.length()).split("\\.");
        if (p.length != 3) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ProcessIdentity(Long.parseLong(p[0]), Long.parseLong(p[1])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append(s.length() > 80 ? "...\"" : "\"").toString();
    }
}
