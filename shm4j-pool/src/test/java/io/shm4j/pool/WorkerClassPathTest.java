package io.shm4j.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.testkit.Processes;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Workers find the code wherever the caller runs: application classes loaded by a class loader
 * of their own (as {@code mvn exec:java} and {@code jshell --class-path} load them), not on
 * {@code java.class.path}. Real worker JVMs.
 */
class WorkerClassPathTest {
    @org.junit.jupiter.api.io.TempDir
    static Path classes; // removed by JUnit however the class ends

    @BeforeAll
    static void compileAnApplicationOutsideTheClassPath() throws IOException {
        Path src = classes.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("OutsideApp.java"), """
                public class OutsideApp {
                    public static void main(String[] args) throws Exception {
                        try (io.shm4j.pool.WorkerPool pool = io.shm4j.pool.WorkerPool.builder().workers(1)
                                .progressBar(false).classDataSharing(false).build()) {
                            io.shm4j.pool.Task<String> t = ctx -> "worker loaded it from "
                                    + OutsideApp.class.getProtectionDomain().getCodeSource().getLocation();
                            System.out.println(pool.submit(t).get());
                        }
                    }
                }
                """);
        Files.writeString(src.resolve("OutsideTask.java"), """
                public class OutsideTask implements io.shm4j.pool.Task<Integer> {
                    @Override public Integer call(io.shm4j.pool.TaskContext ctx) { return 42; }
                }
                """);
        Processes.run(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "javac").toString(),
                "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                src.resolve("OutsideApp.java").toString(), src.resolve("OutsideTask.java").toString()),
                Duration.ofSeconds(120)).assertOk();
    }

    /** Runs a class from a directory through a class loader of its own, as mvn exec:java does. */
    public static final class ExecJava {
        public static void main(String[] args) throws Exception {
            try (URLClassLoader app = new URLClassLoader(new URL[] {Path.of(args[0]).toUri().toURL()},
                    ExecJava.class.getClassLoader())) {
                Thread.currentThread().setContextClassLoader(app);
                app.loadClass(args[1]).getMethod("main", String[].class).invoke(null, (Object) new String[0]);
            }
        }
    }

    @Test
    void shouldRunTasksOfAnApplicationLoadedByItsOwnClassLoader() {
        Processes.Result r = Processes.run(Processes.javaBuilder(ExecJava.class, classes.toString(), "OutsideApp"),
                Duration.ofSeconds(90));
        r.assertOk();
        assertThat(r.stdout()).contains("worker loaded it from file:" + classes + "/");
    }

    @Test
    void shouldNameTheLocationTheWorkersLackAndTakeItFromClassPath() throws Exception {
        try (URLClassLoader app = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            @SuppressWarnings("unchecked")
            Task<Integer> task = (Task<Integer>) app.loadClass("OutsideTask").getConstructor().newInstance();
            try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false).classDataSharing(false).build()) {
                assertThatThrownBy(() -> pool.submit(task)).isInstanceOf(PoolException.class)
                        .hasMessageContaining("class=OutsideTask")
                        .hasMessageContaining("location=" + classes)
                        .hasMessageContaining("WorkerPool.builder().classPath(");
            }
            try (WorkerPool pool = WorkerPool.builder().workers(1).progressBar(false).classDataSharing(false)
                    .classPath(List.of(classes)).build()) {
                assertThat(pool.submit(task).get(60, TimeUnit.SECONDS)).isEqualTo(42);
            }
        }
    }
}
