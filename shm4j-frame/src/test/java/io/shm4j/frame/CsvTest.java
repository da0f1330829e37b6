package io.shm4j.frame;

import io.shm4j.segment.ShmOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.segment.Lifetime;
import io.shm4j.testkit.TestNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {
    @TempDir
    Path dir;

    @Test
    void shouldInferTypesHonourQuotesAndReadEmptyFieldsAsNull() throws Exception {
        Path csv = dir.resolve("in.csv");
        Files.writeString(csv, """
                id,price,ok,when,name,stamp
                1,1.5,true,2024-01-31,"Smith, J.",2024-01-31T12:00:00+01:00
                2,,False,2024-02-01 08:30:00.25,"",2024-02-01T00:00:00+01:00
                ,3,TRUE,,"say ""hi""\nthere",
                4,1e3,false,2024-02-03T00:00,plain,2024-02-03T00:00:00+01:00
                """);
        try (SharedFrame f = SharedFrame.copyOf(ShmOptions.named(TestNames.unique("csv")), csv)) {
            assertThat(f.column("id").type()).isEqualTo(ColumnType.INT64);
            assertThat(f.column("price").type()).isEqualTo(ColumnType.FLOAT64);
            assertThat(f.column("ok").type()).isEqualTo(ColumnType.BOOL);
            assertThat(f.column("when").type()).isEqualTo(ColumnType.TIMESTAMP);
            assertThat(f.column("name").type()).isEqualTo(ColumnType.STRING);
            assertThat(f.longs("id").isNull(2)).isTrue();
            assertThat(f.doubles("price").isNull(1)).isTrue();
            assertThat(f.doubles("price").get(3)).isEqualTo(1000.0);
            assertThat(f.bools("ok").get(2)).isTrue();
            assertThat(f.timestamps("when").localDateTime(1)).isEqualTo(LocalDateTime.of(2024, 2, 1, 8, 30, 0, 250_000_000));
            assertThat(f.strings("name").get(0)).isEqualTo("Smith, J.");
            assertThat(f.strings("name").isNull(1)).isTrue(); // "" is null, as pandas reads it
            assertThat(f.strings("name").get(2)).isEqualTo("say \"hi\"\nthere");
            assertThat(f.timestamps("stamp").timeZone()).isEqualTo("+01:00");
            assertThat(f.timestamps("stamp").instant(0).toString()).isEqualTo("2024-01-31T11:00:00Z");
        }
    }

    @Test
    void shouldRoundTripEveryTypeThroughCsv() throws Exception {
        FrameModel m = FrameModel.random(new Random(3), 40);
        // CSV has no int widths, categories or float32: keep the types CSV can express
        FrameModel csvable = new FrameModel(40, m.columns().stream().filter(c -> switch (c.type()) {
            case FLOAT64, INT64, BOOL, STRING -> true;
            case TIMESTAMP -> c.zone() == null;
            default -> false;
        }).map(c -> switch (c.type()) {
            case STRING -> new FrameModel.Col(c.name(), c.type(), null,
                    java.util.Arrays.stream(c.values()).map(v -> v == null ? null : "s" + v).toArray());
            // CSV, like pandas and pyarrow, reads NaN as null
            case FLOAT64 -> new FrameModel.Col(c.name(), c.type(), null, java.util.Arrays.stream(c.values())
                    .map(v -> v instanceof Double d && d.isNaN() ? null : v).toArray());
            default -> c;
        }).toList());
        Path csv = dir.resolve("out.csv");
        try (SharedFrame f = csvable.builder().build(ShmOptions.named(TestNames.unique("csv")))) {
            f.save(csv);
        }
        try (SharedFrame back = SharedFrame.copyOf(ShmOptions.named(TestNames.unique("csv")), csv)) {
            csvable.assertMatches(back.view(), false);
        }
    }

    @Test
    void shouldWriteTheIndexAndQuoteWhatNeedsIt() throws Exception {
        Path csv = dir.resolve("idx.csv");
        try (SharedFrame f = SharedFrame.builder(2).rangeIndex("n", 5, 1)
                .addStrings("s", new String[] {"a,b", ""}).addDoubles("x", new double[] {1, 2}, i -> i == 1).build(ShmOptions.named(TestNames.unique("csv")))) {
            f.save(csv);
        }
        assertThat(Files.readString(csv)).isEqualTo("n,s,x\n5,\"a,b\",1.0\n6,\"\",\n");
    }

    @Test
    void shouldRejectARowWiderThanTheHeader() throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "a,b\n1,2,3\n");
        assertThatThrownBy(() -> SharedFrame.copyOf(ShmOptions.defaults(), csv))
                .isInstanceOf(FrameFormatException.class).hasMessageContaining("row=1").hasMessageContaining("fields=3");
    }

    @Test
    void shouldExportAndReimportArrowFiles() throws Exception {
        Path arrow = dir.resolve("f.arrow");
        Path sliced = dir.resolve("slice.feather");
        FrameModel m = FrameModel.random(new Random(5), 20);
        try (SharedFrame f = m.builder().build(ShmOptions.named(TestNames.unique("exp")))) {
            f.save(arrow);
            f.slice(0, 20).save(sliced);
            assertThat(Files.size(arrow)).isEqualTo(f.byteSize());
        }
        try (SharedFrame a = SharedFrame.open(arrow); SharedFrame b = SharedFrame.open(sliced)) {
            m.assertMatches(a.view(), false);
            m.assertMatches(b.view(), false);
        }
    }
}
