package io.shm4j.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a test must not leave behind, and the check itself (used by {@link LeakCheckExtension}
 * for JUnit tests and {@link LeakCheckHook} for jqwik properties; both are registered
 * automatically for every test of every module).
 *
 * <ul>
 *   <li>files in the shm directory created during the test and attributable to this JVM: shm4j
 *       segments whose owner is this JVM or one of its child processes, temporary files of this
 *       JVM or its children, and files whose name starts with {@link TestNames#prefix()};</li>
 *   <li>mappings of files in the shm directory, in this JVM, that were not there before;</li>
 *   <li>child processes of this JVM still running after the test (waited for up to 3 s).</li>
 * </ul>
 * Files of unrelated processes sharing the directory are ignored, so suites may run side by
 * side. Leaked files are removed after being reported, so one leak fails one test only.
 *
 * <p>Not thread-safe: one test at a time per JVM.
 */
public final class LeakCheck {
    private final Path dir = shmDirectory();
    private Set<String> filesBefore;
    private Set<String> mapsBefore;
    private Set<Long> childrenBefore;
    private final Set<Long> childrenSeen = new HashSet<>();

    /** The shm directory the library uses ({@code shm4j.dir}, {@code SHM4J_DIR}, else /dev/shm). */
    public static Path shmDirectory() {
        String v = System.getProperty("shm4j.dir");
        if (v == null) {
            v = System.getenv("SHM4J_DIR");
        }
        return v == null || v.isBlank() ? Path.of("/dev/shm") : Path.of(v);
    }

    /** Takes the snapshot before a test. */
    public void before() {
        filesBefore = files(dir);
        mapsBefore = mappings(dir);
        childrenBefore = children();
    }

    /**
     * Checks after a test.
     *
     * @return the leaks found, empty if none
     */
    public List<String> after() {
        List<String> leaks = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        Set<Long> stray;
        do {
            ProcessHandle.current().descendants().forEach(p -> childrenSeen.add(p.pid()));
            stray = children();
            stray.removeAll(childrenBefore);
            if (stray.isEmpty()) {
                break;
            }
            sleepQuietly(20);
        } while (System.nanoTime() < deadline);
        for (long pid : stray) {
            String cmd = ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("?");
            leaks.add("process still running: pid=" + pid + ", cmd=" + abbreviate(cmd));
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        Set<Long> ours = new HashSet<>(childrenSeen);
        ours.add(ProcessHandle.current().pid());
        for (String name : files(dir)) {
            if (filesBefore.contains(name)) {
                continue;
            }
            Path file = dir.resolve(name);
            if (attributable(file, name, ours)) {
                leaks.add("segment file left behind: name=" + name + ", dir=" + dir);
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // reported already
                }
            }
        }
        Set<String> maps = mappings(dir);
        maps.removeAll(mapsBefore);
        for (String m : maps) {
            leaks.add("mapping left open: " + m);
        }
        return leaks;
    }

    private static boolean attributable(Path file, String name, Set<Long> ours) {
        if (name.startsWith(TestNames.prefix())) {
            return true;
        }
        if (name.startsWith(".shm4j-tmp.")) {
            String[] p = name.substring(".shm4j-tmp.".length()).split("\\.");
            try {
                return ours.contains(Long.parseLong(p[0]));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        Long owner = ownerPid(file);
        return owner != null && ours.contains(owner);
    }

    private static Long ownerPid(Path file) {
        try {
            // Reading an xattr opens the file: never open a FIFO or device another test planted
            // (the open would block), nor follow a link.
            if (!Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).isRegularFile()) {
                return null;
            }
            UserDefinedFileAttributeView v = Files.getFileAttributeView(file,
                    UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (!v.list().contains("shm4j")) {
                return null;
            }
            ByteBuffer b = ByteBuffer.allocate(v.size("shm4j"));
            v.read("shm4j", b);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
            for (String kv : s.split(";")) {
                if (kv.startsWith("pid=")) {
                    return Long.parseLong(kv.substring(4));
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    static Set<String> files(Path dir) {
        Set<String> out = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            // no directory, no files
        }
        return out;
    }

    /** Lines of /proc/self/maps naming a file under {@code dir} (address ranges included). */
    static Set<String> mappings(Path dir) {
        String prefix = dir.toAbsolutePath().normalize() + "/";
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(l -> l.contains(prefix))
                    .map(l -> {
                        String[] f = l.trim().split("\\s+", 6);
                        return f[0] + " " + (f.length > 5 ? f[5] : "");
                    })
                    .collect(Collectors.toCollection(HashSet::new));
        } catch (IOException e) {
            return new HashSet<>();
        }
    }

    private static Set<Long> children() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .map(ProcessHandle::pid).collect(Collectors.toCollection(HashSet::new));
    }

    private static String abbreviate(String s) {
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
