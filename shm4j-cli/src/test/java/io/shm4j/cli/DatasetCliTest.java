package io.shm4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.dataset.Dataset;
import io.shm4j.segment.ShmOptions;
import io.shm4j.testkit.TestNames;
import org.junit.jupiter.api.Test;

class DatasetCliTest {
    @Test
    void shouldListDatasetsWithTheirCurrentVersionAndShowTheirVersions() {
        String name = TestNames.unique("cli-ds");
        try (Dataset<SharedArray> ds = Dataset.createArrays(ShmOptions.named(name))) {
            for (int k = 1; k <= 3; k++) {
                ds.publish(o -> SharedArray.zeros(o, DType.FLOAT32, 1000, 64));
            }
            CliTest.Run ls = CliTest.run("ls");
            assertThat(ls.code()).isZero();
            assertThat(ls.out()).containsPattern(name + "\\s+dataset\\s+");
            assertThat(ls.out()).containsPattern("DATASET\\s+OF\\s+CURRENT");
            assertThat(ls.out()).containsPattern(name + "\\s+arrays\\s+v3\\s+250\\S* KiB\\s+1\\s+3\\s+");
            assertThat(CliTest.run("ls", "--json").out()).contains("\"versionKind\":\"array\"", "\"currentVersion\":3");
            CliTest.Run info = CliTest.run("info", name);
            assertThat(info.code()).isZero();
            assertThat(info.out()).contains("kind:", "dataset", "currentVersion:", "3", "publishCount:", name + "@v3");
            assertThat(CliTest.run("info", name, "--json").out())
                    .contains("\"versions\":[{\"segment\":\"" + name + "@v3\"", "\"current\":true");
            CliTest.Run gc = CliTest.run("gc", "--dry-run");
            assertThat(gc.code()).isZero();
            assertThat(gc.out()).doesNotContain(name);
        }
    }
}
