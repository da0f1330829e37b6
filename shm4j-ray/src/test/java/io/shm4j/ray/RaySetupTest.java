package io.shm4j.ray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.pool.WorkerPool;
import io.shm4j.ray.internal.RaySetup;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing Ray, a version mismatch or an unreachable cluster is one clear error. */
class RaySetupTest {
    @TempDir
    Path tmp;

    @Test
    void shouldFindTheJavaApiOfTheInstalledRay() {
        RaySetup.InstalledRay ray = RaySetup.installed(RaySetup.python());
        assertThat(ray.jar()).isRegularFile().hasFileName("ray_dist.jar");
        assertThat(ray.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(RaySetup.checkDriverJar(ray, getClass().getClassLoader())).isRegularFile();
    }

    @Test
    void shouldSayRayIsNotInstalledForAPythonWithoutIt() throws Exception {
        Path python = tmp.resolve("python-without-ray");
        Files.writeString(python, "#!/bin/sh\nexec " + RaySetup.python() + " -S \"$@\"\n"); // no site-packages
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwx------"));
        assertThatThrownBy(() -> RaySetup.installed(python.toString()))
                .isInstanceOf(RayUnavailableException.class)
                .hasMessageContaining("Ray is not installed: python=" + python)
                .hasMessageContaining("No module named 'ray'")
                .hasMessageContaining("pip install");
        assertThatThrownBy(() -> RaySetup.installed(tmp.resolve("no-such-python").toString()))
                .isInstanceOf(RayUnavailableException.class).hasMessageContaining("cannot run Python to find Ray");
    }

    @Test
    void shouldRefuseADriverJarOfAnotherRayVersion() throws Exception {
        RaySetup.InstalledRay installed = RaySetup.installed(RaySetup.python());
        Path other = tmp.resolve("ray_dist.jar");
        Files.write(other, new byte[] {'P', 'K', 3, 4}); // another jar than the installed one
        RaySetup.InstalledRay wrong = new RaySetup.InstalledRay("0.0.1", other, "python-x");
        assertThatThrownBy(() -> RaySetup.checkDriverJar(wrong, getClass().getClassLoader()))
                .isInstanceOf(RayUnavailableException.class)
                .hasMessageContaining("Ray version mismatch")
                .hasMessageContaining("jar=" + other)
                .hasMessageContaining("version=0.0.1");
        ClassLoader noRay = new java.net.URLClassLoader(new java.net.URL[0], null);
        assertThatThrownBy(() -> RaySetup.checkDriverJar(installed, noRay))
                .isInstanceOf(RayUnavailableException.class)
                .hasMessageContaining("Ray's Java API is not on the class path: jar=" + installed.jar());
    }

    @Test
    void shouldFailFastWhenTheClusterIsUnreachable() throws Exception {
        LocalRayCluster.assumeAvailable();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> RayPool.connect("127.0.0.1:" + port, 1))
                .isInstanceOf(RayUnavailableException.class)
                .hasMessageContaining("cannot reach the Ray cluster: address=127.0.0.1:" + port)
                .hasMessageContaining("ray start --head");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
        assertThatThrownBy(() -> WorkerPool.builder().backend(io.shm4j.pool.Backend.RAY)
                .engineOption("ray.address", "no-port").build())
                .isInstanceOf(RayUnavailableException.class).hasMessageContaining("bad Ray address: address=no-port");
    }
}
