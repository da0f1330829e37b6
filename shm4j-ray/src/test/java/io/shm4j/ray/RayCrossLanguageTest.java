package io.shm4j.ray;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.ray.internal.RaySetup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Python cross-language example (python/examples/ray_cross_language.py), run as is on the test cluster. */
class RayCrossLanguageTest {
    @Test
    void shouldLetAPythonRayDriverCallShm4jJavaTasksAndMapTheirResults() throws Exception {
        String address = LocalRayCluster.head();
        Path repo = Path.of(System.getProperty("shm4j.test.repo"));
        Path jar = RaySetup.installed(RaySetup.python()).jar();
        ProcessBuilder pb = new ProcessBuilder(RaySetup.python(),
                repo.resolve("python/examples/ray_cross_language.py").toString(), address,
                RaySetup.codeSearchPath(jar)).redirectErrorStream(true);
        pb.environment().put("PYTHONPATH", repo.resolve("python").toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("OK sum=124999875000.0 doubled[-1]=499999.5");
    }
}
