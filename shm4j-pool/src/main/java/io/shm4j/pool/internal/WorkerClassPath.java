package io.shm4j.pool.internal;

import io.shm4j.pool.PoolException;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The class path of worker JVMs, derived from where the caller's code really is, so that the
 * pool works however the caller was started ({@code java -cp}, {@code java -jar} of a fat jar,
 * the module path, {@code mvn exec:java}, Gradle {@code run}, an IDE, {@code jshell}).
 *
 * <p>Entries, in this order, without duplicates:
 * <ol>
 *   <li>the entries given to {@code WorkerPool.Builder.classPath(...)};</li>
 *   <li>this JVM's class path ({@code java.class.path}) and module path ({@code jdk.module.path}):
 *       workers run every jar on their class path, module descriptors are ignored there;</li>
 *   <li>the URLs of the class loaders (below the application loader) that loaded shm4j's pool
 *       and the code that built the pool ({@code mvn exec:java} and {@code jshell --class-path}
 *       load the application that way);</li>
 *   <li>the code sources (jar or directory) of shm4j's own classes and of the caller's class.</li>
 * </ol>
 *
 * <p>{@link #check(Class)} tells, before a task is sent, whether a worker can load its class;
 * otherwise it throws {@link PoolException} naming the class, its location and the fix.
 *
 * <p>Immutable and thread-safe.
 */
final class WorkerClassPath {
    private final List<String> entries;
    /** Every entry, plus those named by manifest Class-Path of jar entries, as absolute normalized paths. */
    private final Set<Path> reachable;
    private final java.util.Map<Class<?>, Boolean> checked = new java.util.concurrent.ConcurrentHashMap<>();

    private WorkerClassPath(List<String> entries) {
        this.entries = List.copyOf(entries);
        Set<Path> r = new LinkedHashSet<>();
        for (String e : entries) {
            Path p = normalize(Path.of(e));
            r.add(p);
            r.addAll(manifestClassPath(p));
        }
        this.reachable = Set.copyOf(r);
    }

    /** Derives the class path of workers started by a pool that {@code caller} builds. */
    static WorkerClassPath derive(List<Path> explicit, Class<?> caller) {
        Set<String> out = new LinkedHashSet<>();
        for (Path p : explicit) {
            out.add(normalize(p).toString());
        }
        addPath(out, System.getProperty("java.class.path"));
        addPath(out, System.getProperty("jdk.module.path"));
        addLoaderUrls(out, WorkerClassPath.class.getClassLoader());
        if (caller != null) {
            addLoaderUrls(out, caller.getClassLoader());
        }
        for (Class<?> c : shm4jAnchors()) {
            location(c).ifPresent(p -> out.add(p.toString()));
        }
        if (caller != null) {
            location(caller).ifPresent(p -> out.add(p.toString()));
        }
        return new WorkerClassPath(new ArrayList<>(out));
    }

    /** The class that called into the pool's builder: the first frame outside shm4j's pool packages. */
    static Class<?> callerOutsidePool() {
        return StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> !c.getName().startsWith("io.shm4j.pool."))
                .findFirst().orElse(null));
    }

    /** The {@code -cp} value. */
    String value() {
        return String.join(File.pathSeparator, entries);
    }

    /** The entries. */
    List<String> entries() {
        return entries;
    }

    /**
     * Throws {@link PoolException} unless a worker can load {@code taskClass} (the class of a task,
     * or for a lambda the class that wrote it): its jar or directory must be on the workers' class
     * path. Classes of the JDK, and locations that are not plain files (nested jars of Spring
     * Boot style launchers), are not checked.
     */
    void check(Class<?> taskClass) {
        if (checked.containsKey(taskClass)) {
            return;
        }
        ClassLoader l = taskClass.getClassLoader();
        if (l == null || l == ClassLoader.getPlatformClassLoader()) {
            checked.put(taskClass, true);
            return;
        }
        CodeSource cs = taskClass.getProtectionDomain().getCodeSource();
        String name = taskClass.isHidden() ? taskClass.getName().replaceAll("\\$\\$Lambda.*", "") + " (a lambda)"
                : taskClass.getName();
        if (cs == null || cs.getLocation() == null) {
            throw new PoolException("the workers cannot load the task's class: class=" + name
                    + ", location=none (defined in memory, e.g. a jshell snippet or generated code); workers"
                    + " load task classes from jars and directories: put the task's class into a jar and add it"
                    + " with WorkerPool.builder().classPath(...) (or jshell --class-path)");
        }
        if (!cs.getLocation().getProtocol().equals("file")) {
            checked.put(taskClass, true);
            return;
        }
        Path p;
        try {
            p = normalize(Path.of(cs.getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            checked.put(taskClass, true);
            return;
        }
        if (!reachable.contains(p)) {
            throw new PoolException("the workers cannot load the task's class: class=" + name + ", location=" + p
                    + ", workerClassPathEntries=" + entries.size() + "; the workers' class path lacks that location:"
                    + " add it with WorkerPool.builder().classPath(...) (docs/pool.md, \"Where workers find the code\")");
        }
        checked.put(taskClass, true);
    }

    /** A short description for errors: how many entries and the first few. */
    String describe() {
        int shown = Math.min(entries.size(), 4);
        return "workerClassPath=[" + String.join(File.pathSeparator, entries.subList(0, shown))
                + (entries.size() > shown ? File.pathSeparator + "... " + (entries.size() - shown) + " more" : "") + "]";
    }

    private static List<Class<?>> shm4jAnchors() {
        List<Class<?>> anchors = new ArrayList<>();
        anchors.add(WorkerMain.class);                    // pool
        anchors.add(io.shm4j.Settings.class);             // segment
        for (String n : List.of("io.shm4j.array.SharedArray", "io.shm4j.frame.SharedFrame",
                "io.shm4j.store.ObjectStore", "org.apache.arrow.flatbuf.Schema", "com.google.flatbuffers.Table",
                "me.tongfei.progressbar.ProgressBar", "org.jline.terminal.Terminal")) {
            try {
                anchors.add(Class.forName(n, false, WorkerClassPath.class.getClassLoader()));
            } catch (ClassNotFoundException | LinkageError e) {
                // not on this JVM's path: the workers do not need it either
            }
        }
        return anchors;
    }

    private static java.util.Optional<Path> location(Class<?> c) {
        CodeSource cs = c.getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null || !cs.getLocation().getProtocol().equals("file")) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(normalize(Path.of(cs.getLocation().toURI())));
        } catch (URISyntaxException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static void addPath(Set<String> out, String path) {
        if (path == null || path.isBlank()) {
            return;
        }
        for (String e : path.split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                out.add(normalize(Path.of(e)).toString());
            }
        }
    }

    /** URLs of {@code l} and its parents up to (not including) the application class loader. */
    private static void addLoaderUrls(Set<String> out, ClassLoader l) {
        List<String> found = new ArrayList<>();
        for (ClassLoader c = l; c != null && c != ClassLoader.getSystemClassLoader()
                && c != ClassLoader.getPlatformClassLoader(); c = c.getParent()) {
            if (c instanceof URLClassLoader u) {
                for (URL url : u.getURLs()) {
                    if (url.getProtocol().equals("file")) {
                        try {
                            found.add(normalize(Path.of(url.toURI())).toString());
                        } catch (URISyntaxException | RuntimeException e) {
                            // not a path
                        }
                    }
                }
            }
        }
        // parents first, as class loading delegates
        for (int i = found.size() - 1; i >= 0; i--) {
            out.add(found.get(i));
        }
    }

    private static Path normalize(Path p) {
        return p.toAbsolutePath().normalize();
    }

    /** Entries named by the manifest Class-Path of a jar (one level; surefire's booter jar uses it). */
    private static List<Path> manifestClassPath(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return List.of();
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            Manifest m = j.getManifest();
            String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
            if (cp == null || cp.isBlank()) {
                return List.of();
            }
            List<Path> out = new ArrayList<>();
            for (String ref : cp.trim().split("\\s+")) {
                try {
                    URL u = jar.getParent().toUri().toURL().toURI().resolve(ref).toURL();
                    if (u.getProtocol().equals("file")) {
                        out.add(normalize(Path.of(u.toURI())));
                    }
                } catch (IOException | URISyntaxException | RuntimeException e) {
                    // skip an entry that is not a path
                }
            }
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }
}
