package io.shm4j.array;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.testkit.Processes;
import org.junit.jupiter.api.Test;

/** Runs the pytest suite of the Python module ({@code python/tests}) as part of the build. */
class PythonModuleTest {
    @Test
    void shouldPassThePythonTestSuite() {
        String tests = Processes.repoRoot().resolve("python/tests/test_array.py").toString();
        Processes.Result r = Processes.python(
                "import sys, pytest; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', sys.argv[1]]))", tests);
        r.assertOk();
        assertThat(r.stdout()).contains("passed");
    }
}
