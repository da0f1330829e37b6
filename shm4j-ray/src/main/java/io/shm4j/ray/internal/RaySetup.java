package io.shm4j.ray.internal;

import io.shm4j.ray.RayUnavailableException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

/**
 * Finds and checks what a Ray driver needs before it connects: the Python whose {@code ray}
 * package holds Ray's Java API, that jar, the jar this JVM runs, the cluster's reachability, and
 * the code search path of the worker JVMs. Each problem is one {@link RayUnavailableException}
 * naming the facts and the fix. Stateless and thread-safe.
 */
public final class RaySetup {
    /** System property: the Python to ask for Ray's jar (else {@code SHM4J_RAY_PYTHON}, {@code SHM4J_PYTHON}, python3). */
    public static final String PYTHON_PROPERTY = "shm4j.ray.python";
    /** System property: Ray's jar, instead of asking Python (else {@code SHM4J_RAY_JAR}). */
    public static final String JAR_PROPERTY = "shm4j.ray.jar";
    /** System property: the cluster's address, host:port (else {@code SHM4J_RAY_ADDRESS}, {@code RAY_ADDRESS}). */
    public static final String ADDRESS_PROPERTY = "shm4j.ray.address";

    private RaySetup() {}

    /** The Python interpreter to ask for Ray's jar. */
    public static String python() {
        String v = System.getProperty(PYTHON_PROPERTY);
        for (String env : List.of("SHM4J_RAY_PYTHON", "SHM4J_PYTHON")) {
            if (v == null || v.isBlank()) {
                v = System.getenv(env);
            }
        }
        return v == null || v.isBlank() ? "python3" : v;
    }

    /** The installed Ray: its version and its Java API jar. */
    public record InstalledRay(String version, Path jar, String python) {}

    /** Asks {@code python} where its {@code ray} package keeps its Java API. */
    public static InstalledRay installed(String python) {
        String explicit = System.getProperty(JAR_PROPERTY, System.getenv("SHM4J_RAY_JAR"));
        if (explicit != null && !explicit.isBlank()) {
            Path jar = Path.of(explicit);
            if (!Files.isRegularFile(jar)) {
                throw new RayUnavailableException("Ray's jar does not exist: jar=" + jar + " (from " + JAR_PROPERTY
                        + " or SHM4J_RAY_JAR); point it at ray/jars/ray_dist.jar of the installed ray package");
            }
            return new InstalledRay("unknown", jar, "");
        }
        String script = "import os, ray; print(ray.__version__); "
                + "print(os.path.join(os.path.dirname(ray.__file__), 'jars', 'ray_dist.jar'))";
        String out;
        int code;
        try {
            Process p = new ProcessBuilder(python, "-c", script).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] bytes;
            try (InputStream in = p.getInputStream()) {
                bytes = in.readNBytes(64 * 1024);
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new RayUnavailableException("asking Python for Ray timed out: python=" + python
                        + ", timeout=120s; set " + JAR_PROPERTY + " to Ray's ray_dist.jar instead");
            }
            out = new String(bytes, StandardCharsets.UTF_8).trim();
            code = p.exitValue();
        } catch (IOException e) {
            throw new RayUnavailableException("cannot run Python to find Ray: python=" + python + ", error=" + e
                    + "; install Python with the ray package, or set " + PYTHON_PROPERTY + " (or SHM4J_RAY_PYTHON)"
                    + " to one that has it", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RayUnavailableException("interrupted while asking Python for Ray: python=" + python, e);
        }
        String[] lines = out.split("\n");
        if (code != 0 || lines.length < 2) {
            String last = lines[lines.length - 1];
            throw new RayUnavailableException("Ray is not installed: python=" + python + ", exitCode=" + code
                    + ", error=" + last + "; install it where the cluster runs it (pip install 'ray==<the cluster's"
                    + " version>') or set " + PYTHON_PROPERTY + " (or SHM4J_RAY_PYTHON) to a Python that has it");
        }
        Path jar = Path.of(lines[lines.length - 1].trim());
        String version = lines[lines.length - 2].trim();
        if (!Files.isRegularFile(jar)) {
            throw new RayUnavailableException("the installed Ray has no Java API: python=" + python + ", version="
                    + version + ", jar=" + jar + "; install the ray wheel from PyPI (it ships ray/jars/ray_dist.jar)");
        }
        return new InstalledRay(version, jar, python);
    }

    /**
     * The jar this JVM loads Ray's API from, after checking it is the installed Ray's jar
     * (the same file, or the same bytes).
     *
     * @throws RayUnavailableException if Ray's API is not on the class path or is another version
     */
    public static Path checkDriverJar(InstalledRay ray, ClassLoader loader) {
        Class<?> api;
        try {
            api = Class.forName("io.ray.api.Ray", false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new RayUnavailableException("Ray's Java API is not on the class path: jar=" + ray.jar()
                    + ", version=" + ray.version() + "; add that jar to the class path of this JVM (it is the"
                    + " installed ray package's own; never a copy of another version)", e);
        }
        Path mine;
        try {
            mine = Path.of(api.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            return ray.jar(); // no code source (a custom loader): trust it
        }
        if (!sameFile(mine, ray.jar()) && !sameBytes(mine, ray.jar())) {
            throw new RayUnavailableException("Ray version mismatch: this JVM runs Ray's API from jar=" + mine
                    + ", but the installed Ray (python=" + ray.python() + ", version=" + ray.version()
                    + ") has jar=" + ray.jar() + "; a Ray driver must run the cluster's exact Ray version: put"
                    + " the installed jar on the class path instead");
        }
        return mine;
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean sameBytes(Path a, Path b) {
        try {
            if (Files.size(a) != Files.size(b)) {
                return false;
            }
            return MessageDigest.isEqual(digest(a), digest(b));
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] digest(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return md.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cluster address: {@code explicit}, else the system property, else the environment. */
    public static String address(String explicit) {
        String v = explicit;
        if (v == null || v.isBlank()) {
            v = System.getProperty(ADDRESS_PROPERTY);
        }
        for (String env : List.of("SHM4J_RAY_ADDRESS", "RAY_ADDRESS")) {
            if (v == null || v.isBlank()) {
                v = System.getenv(env);
            }
        }
        if (v == null || v.isBlank()) {
            throw new RayUnavailableException("no Ray cluster address: give one (RayPool.builder(\"host:6379\"), "
                    + ADDRESS_PROPERTY + ", SHM4J_RAY_ADDRESS or RAY_ADDRESS); start a cluster with"
                    + " `ray start --head` on one host and `ray start --address=<head>:6379` on the others");
        }
        return v.trim();
    }

    /**
     * Checks that the cluster's GCS port answers, so that an unreachable cluster is a clear error
     * within {@code timeoutMillis} rather than a long retry inside Ray.
     */
    public static void checkReachable(String address, int timeoutMillis) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new RayUnavailableException("bad Ray address: address=" + address + "; expected host:port,"
                    + " e.g. 10.0.0.5:6379 (the port of `ray start --head --port`)");
        }
        String host = address.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new RayUnavailableException("bad Ray address: address=" + address + "; expected host:port", e);
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
        } catch (IOException e) {
            throw new RayUnavailableException("cannot reach the Ray cluster: address=" + address + ", timeoutMillis="
                    + timeoutMillis + ", error=" + e + "; is the head node up (`ray start --head --port=" + port
                    + "`, `ray status`), and is the address the head's (not 127.0.0.1 from another host)?", e);
        }
    }

    /**
     * The code search path of the worker JVMs: this JVM's class path and module path, with
     * manifest {@code Class-Path} entries followed one level (surefire's and other launchers'
     * manifest-only jars), without Ray's own jar (the workers have theirs).
     */
    public static String codeSearchPath(Path rayJar) {
        Set<String> out = new LinkedHashSet<>();
        for (String prop : List.of("java.class.path", "jdk.module.path")) {
            String v = System.getProperty(prop);
            if (v == null || v.isBlank()) {
                continue;
            }
            for (String e : v.split(File.pathSeparator)) {
                if (e.isBlank()) {
                    continue;
                }
                Path p = Path.of(e).toAbsolutePath();
                if (rayJar != null && sameFile(p, rayJar)) {
                    continue;
                }
                out.add(p.toString());
                out.addAll(manifestClassPath(p, rayJar));
            }
        }
        return String.join(File.pathSeparator, out);
    }

    private static List<String> manifestClassPath(Path jar, Path rayJar) {
        List<String> out = new ArrayList<>();
        if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
            return out;
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            var m = j.getManifest();
            String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
            if (cp == null) {
                return out;
            }
            for (String entry : cp.trim().split("\\s+")) {
                Path p;
                try {
                    p = entry.startsWith("file:") ? Path.of(java.net.URI.create(entry))
                            : jar.getParent().resolve(java.net.URLDecoder.decode(entry, StandardCharsets.UTF_8));
                } catch (RuntimeException e) {
                    continue;
                }
                if (rayJar == null || !sameFile(p, rayJar)) {
                    out.add(p.toAbsolutePath().normalize().toString());
                }
            }
        } catch (IOException e) {
            // not a readable jar: nothing to follow
        }
        return out;
    }

    /** JVM options of this JVM that worker JVMs need too (native access, incubator modules, add-opens). */
    public static List<String> inheritedJvmOptions() {
        List<String> out = new ArrayList<>();
        List<String> args = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--enable-native-access") || a.startsWith("--add-modules") || a.startsWith("--add-opens")
                    || a.startsWith("--add-exports")) {
                if (!a.contains("=") && i + 1 < args.size()) {
                    out.add(a + "=" + args.get(++i));
                } else {
                    out.add(a);
                }
            } else if (a.startsWith("-Dshm4j.") && !a.startsWith("-Dshm4j.dir")) {
                out.add(a); // settings of the library; the shm directory is each node's own
            }
        }
        if (out.stream().noneMatch(a -> a.startsWith("--enable-native-access"))) {
            out.add("--enable-native-access=ALL-UNNAMED");
        }
        return out;
    }
}
