package io.shm4j.pool.internal;

import io.shm4j.Settings;
import io.shm4j.segment.ProcessIdentity;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Builds the command line of a worker JVM from this JVM: the same {@code java}; a class path
 * derived from where the caller's code is ({@link WorkerClassPath}; workers always run on the
 * class path, also when the caller runs on the module path); this JVM's options
 * ({@link #inheritedOptions}: heap, GC and {@code -XX} flags, system properties, JDK modules
 * such as {@code --add-modules jdk.incubator.vector}) minus those a second JVM must not repeat
 * or that name the caller's module path, then {@code --enable-native-access=ALL-UNNAMED}, the
 * pool's heap ({@code workerHeap}) and extra options ({@code jvmOptions}), which win.
 *
 * <p>Start-up: workers use an application class-data-sharing (AppCDS) archive kept in
 * {@code ~/.cache/shm4j/cds}, keyed by the java, the class path and the options. When there is
 * none, the first worker of the pool records one at its normal exit ({@code
 * -XX:ArchiveClassesAtExit} to a temporary file, renamed into place by the pool after the
 * worker exited), so the next pools start faster. A stale archive is ignored by the JVM
 * ({@code -Xshare:auto}).
 *
 * <p>Immutable and thread-safe.
 */
final class WorkerLauncher {
    /** The line a JVM with an incubator module prints first on its stderr. */
    static final String INCUBATOR_WARNING = "WARNING: Using incubator modules: jdk.incubator.vector";

    private final List<String> baseCommand;
    private final boolean addsVectorModule;
    private final Path archive;
    private final WorkerClassPath classPath;

    WorkerLauncher(PoolConfig config) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> opts = inheritedOptions(ManagementFactory.getRuntimeMXBean().getInputArguments(),
                config.workerHeap() != null);
        opts.add("--enable-native-access=ALL-UNNAMED"); // workers run on the class path
        addsVectorModule = opts.stream().noneMatch(o -> o.contains("jdk.incubator.vector"));
        if (addsVectorModule) {
            opts.add("--add-modules=jdk.incubator.vector"); // SIMD reductions (the array's Kernels)
        }
        String dir = System.getProperty(Settings.DIR_PROPERTY);
        String dirOption = "-D" + Settings.DIR_PROPERTY + "=";
        opts.removeIf(o -> o.startsWith(dirOption));
        if (dir != null) {
            opts.add(dirOption + dir); // the value now, even if set in code after start
        }
        if (config.workerHeap() != null) {
            opts.add("-Xmx" + config.workerHeap());
        }
        opts.add("-XX:+ExitOnOutOfMemoryError");
        opts.add("-Xshare:auto");
        opts.add("-Xlog:cds*=off");
        opts.add("-Xlog:aot*=off");
        opts.addAll(config.jvmOptions());
        this.classPath = WorkerClassPath.derive(config.classPath(), WorkerClassPath.callerOutsidePool());
        String classPath = this.classPath.value();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(opts);
        if (config.classDataSharing()) {
            removeStaleRecordings(cacheDir()); // what a kill -9 during a recording left
        }
        this.archive = config.classDataSharing() && onlyJars(classPath) ? archivePath(cmd, classPath) : null;
        cmd.add("-cp");
        cmd.add(classPath);
        this.baseCommand = List.copyOf(cmd);
    }

    /**
     * This JVM's options that workers repeat: all of {@code inputArguments} except those a second
     * JVM must not inherit — debugger and profiler agents ({@code -agentlib:jdwp},
     * {@code -Xrunjdwp}, {@code -Xdebug}, {@code -agentpath:}), flight recordings and logs to a
     * file (both JVMs would write the same file), class-data-sharing and AOT cache options (the
     * pool sets its own), and, when {@code ownHeap}, the heap sizes ({@code workerHeap} sets them).
     */
    static List<String> inheritedOptions(List<String> inputArguments, boolean ownHeap) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < inputArguments.size(); i++) {
            String a = inputArguments.get(i);
            String option = a.contains("=") && a.startsWith("--") ? a.substring(0, a.indexOf('=')) : a;
            boolean separateValue = !a.contains("=") && i + 1 < inputArguments.size() && TAKES_VALUE.contains(option);
            String value = a.contains("=") && a.startsWith("--") ? a.substring(a.indexOf('=') + 1)
                    : separateValue ? inputArguments.get(i + 1) : null;
            if (separateValue) {
                i++;
            }
            String kept = moduleOption(option, value);
            if (kept != null) {
                if (!kept.isEmpty()) {
                    out.add(kept);
                }
            } else if (!notInherited(a, ownHeap)) {
                out.add(a);
                if (separateValue) {
                    out.add(value);
                }
            }
        }
        return out;
    }

    /** Options that may take their value as the next argument. */
    private static final java.util.Set<String> TAKES_VALUE = java.util.Set.of("-p", "--module-path",
            "--upgrade-module-path", "--add-modules", "--add-opens", "--add-exports", "--add-reads",
            "--enable-native-access", "--limit-modules", "-cp", "-classpath", "--class-path");

    /**
     * A module-system option as workers get it, which run on the class path: "" to drop it, the
     * option to keep (in {@code --name=value} form), or null when {@code option} is no such option.
     * JDK modules stay ({@code --add-modules jdk.incubator.vector}); the caller's module path and
     * options naming its modules go; native access is granted to ALL-UNNAMED by the launcher.
     */
    private static String moduleOption(String option, String value) {
        switch (option) {
            case "-p", "--module-path", "--upgrade-module-path", "--enable-native-access", "--limit-modules",
                    "-cp", "-classpath", "--class-path" -> {
                return "";
            }
            case "--add-modules" -> {
                List<String> jdk = new ArrayList<>();
                for (String m : value == null ? new String[0] : value.split(",")) {
                    if (m.equals("ALL-SYSTEM") || (!m.startsWith("ALL-") && java.lang.module.ModuleFinder.ofSystem().find(m).isPresent())) {
                        jdk.add(m);
                    }
                }
                return jdk.isEmpty() ? "" : "--add-modules=" + String.join(",", jdk);
            }
            case "--add-opens", "--add-exports", "--add-reads" -> {
                // SOURCE/PACKAGE=TARGET(,TARGET)*: kept for JDK source modules, targets of the caller's
                // module path become ALL-UNNAMED (the workers' code is unnamed)
                if (value == null || !value.contains("=")) {
                    return "";
                }
                String source = value.substring(0, value.indexOf('=')).split("/")[0];
                if (java.lang.module.ModuleFinder.ofSystem().find(source).isEmpty()) {
                    return "";
                }
                return option + "=" + value.substring(0, value.indexOf('=') + 1) + "ALL-UNNAMED";
            }
            default -> {
                return option.startsWith("-Djdk.module.") ? "" : null;
            }
        }
    }

    private static boolean notInherited(String a, boolean ownHeap) {
        if (a.startsWith("-agentlib:jdwp") || a.startsWith("-Xrunjdwp") || a.equals("-Xdebug")
                || a.startsWith("-agentpath:") || a.startsWith("-Xrun")) {
            return true; // a second debugger/profiler agent on the same port or output
        }
        if (a.startsWith("-XX:StartFlightRecording") || a.startsWith("-XX:FlightRecorderOptions")
                || (a.startsWith("-Xlog") && a.contains("file=")) || a.startsWith("-Xloggc:")) {
            return true; // recordings and logs to the caller's file
        }
        if (a.startsWith("-Xshare:") || a.startsWith("-XX:SharedArchiveFile") || a.startsWith("-XX:ArchiveClassesAtExit")
                || a.contains("AutoCreateSharedArchive") || a.startsWith("-XX:AOT") || a.startsWith("-XX:+RecordDynamicDumpInfo")
                || a.startsWith("-XX:SharedClassListFile") || a.startsWith("-XX:DumpLoadedClassList")) {
            return true; // the pool manages the workers' class-data archive itself
        }
        if (a.startsWith("-D" + WorkerMain.RECORDING_PROPERTY)) {
            return true;
        }
        return ownHeap && (a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-XX:MaxHeapSize")
                || a.startsWith("-XX:InitialHeapSize") || a.startsWith("-XX:MinHeapSize"));
    }

    /** The workers' class path. */
    WorkerClassPath classPath() {
        return classPath;
    }

    /** Where the workers' class-data archives are kept. */
    static Path cacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "shm4j", "cds");
    }

    /** Whether a usable archive file exists (the JVM itself still checks it). */
    boolean hasArchive() {
        return archive != null && Files.isRegularFile(archive);
    }

    /** Whether this launch should record the archive: sharing on, no archive yet. */
    boolean shouldRecordArchive() {
        return archive != null && !hasArchive();
    }

    /** The temporary archive a recording worker writes at exit: {@code NAME.tmp.PID.START.TOKEN} (the pool's identity). */
    Path recordingPath(long token) {
        ProcessIdentity self = ProcessIdentity.current();
        return archive.resolveSibling(archive.getFileName() + TMP_MARK + self.pid() + "." + self.startTicks() + "." + token);
    }

    private static final String TMP_MARK = ".tmp.";

    /**
     * Removes temporary archives whose pool JVM is dead (a {@code kill -9} while a worker
     * recorded): regular files of this user only, never following a link. Called at each start.
     */
    static void removeStaleRecordings(Path cacheDir) {
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(cacheDir, "worker-*.jsa" + TMP_MARK + "*")) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                String[] p = n.substring(n.indexOf(TMP_MARK) + TMP_MARK.length()).split("\\.");
                try {
                    boolean dead = p.length == 3
                            ? !new ProcessIdentity(Long.parseLong(p[0]), Long.parseLong(p[1])).isAlive()
                            : p.length == 2 && ProcessHandle.of(Long.parseLong(p[0])).isEmpty(); // older name: PID.TOKEN
                    if (dead && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && Integer.valueOf(io.shm4j.segment.internal.Native.geteuid())
                                    .equals(Files.getAttribute(f, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))) {
                        Files.deleteIfExists(f);
                    }
                } catch (NumberFormatException | IOException e) {
                    // not ours, or gone
                }
            }
        } catch (IOException e) {
            // no cache directory
        }
    }

    /** Moves a recorded archive into place (atomic rename); drops it if it is empty. */
    void installArchive(Path recorded) {
        try {
            if (Files.isRegularFile(recorded) && Files.size(recorded) > 0) {
                Files.move(recorded, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(recorded);
            }
        } catch (IOException e) {
            // class-data sharing is an optimisation: without the archive workers start a little slower
        }
    }

    /**
     * The line a worker's stderr starts with that the pool drops, or null: the incubator warning
     * when the pool added {@code jdk.incubator.vector} on its own (the caller's JVM does not
     * have it, so the caller asked for no such warning; one per worker would only be noise).
     */
    String droppedFirstStderrLine() {
        return addsVectorModule ? INCUBATOR_WARNING : null;
    }

    /** The command of a worker for {@code slot}, recording the archive to {@code record} if not null. */
    List<String> command(Path socket, int slot, long sweepMillis, Path record) {
        List<String> cmd = new ArrayList<>(baseCommand.size() + 8);
        cmd.addAll(baseCommand.subList(0, baseCommand.size() - 2));
        if (record != null) {
            cmd.add("-XX:ArchiveClassesAtExit=" + record);
            cmd.add("-D" + WorkerMain.RECORDING_PROPERTY + "=true");
        } else if (hasArchive()) {
            cmd.add("-XX:SharedArchiveFile=" + archive);
        }
        cmd.addAll(baseCommand.subList(baseCommand.size() - 2, baseCommand.size()));
        ProcessIdentity self = ProcessIdentity.current();
        cmd.add(WorkerMain.class.getName());
        cmd.add(socket.toString());
        cmd.add(Integer.toString(slot));
        cmd.add(Long.toString(self.pid()));
        cmd.add(Long.toString(self.startTicks()));
        cmd.add(Long.toString(sweepMillis));
        return cmd;
    }

    /**
     * Whether every class path entry is a jar (following one level of manifest
     * {@code Class-Path}, as surefire's booter jar uses): the JVM archives classes from jars only
     * and refuses to record with a non-empty directory on the path.
     */
    static boolean onlyJars(String classPath) {
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                return false;
            }
            if (Files.isRegularFile(p)) {
                try (java.util.jar.JarFile jar = new java.util.jar.JarFile(p.toFile())) {
                    java.util.jar.Manifest m = jar.getManifest();
                    String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        for (String ref : cp.trim().split("\\s+")) {
                            if (ref.endsWith("/")) {
                                return false;
                            }
                        }
                    }
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return true;
    }

    private static Path archivePath(List<String> cmd, String classPath) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(System.getProperty("java.vm.version", "").getBytes(StandardCharsets.UTF_8));
            for (String c : cmd) {
                md.update(c.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            for (String entry : classPath.split(java.io.File.pathSeparator)) {
                md.update(entry.getBytes(StandardCharsets.UTF_8));
                try {
                    Path p = Path.of(entry);
                    md.update(Long.toString(Files.getLastModifiedTime(p).toMillis()).getBytes(StandardCharsets.UTF_8));
                } catch (IOException | RuntimeException e) {
                    // a missing entry is hashed by name only
                }
            }
            String key = HexFormat.of().formatHex(md.digest(), 0, 12);
            Path dir = cacheDir();
            Files.createDirectories(dir);
            return dir.resolve("worker-" + key + ".jsa");
        } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
            return null;
        }
    }
}
