package io.shm4j.frame;

import static org.assertj.core.api.Assertions.assertThat;


import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pandas' answers, checked against real pandas: for each CSV, shm4j's frame (read back with
 * pyarrow's {@code to_pandas}, no shm4j code) is compared with {@code pandas.read_csv} of the same
 * file — the same columns, the same dtypes, the same values. Where shm4j infers dates
 * ({@code date32}) or timestamps, pandas keeps text (it parses dates only when asked): the text
 * must parse, as {@code parse_dates} would, to the same dates and instants. Nulls are where
 * pandas has NaN, also for a quoted {@code ""} and quoted NA words.
 */
class CsvPandasTest {
    static final String[] FIXTURES = {"airquality", "bank", "covid", "diamonds", "earthquakes", "flights",
        "gapminder", "iris", "mtcars", "penguins", "population", "stocks", "tips", "titanic", "weather"};

    /** Compares pairs (csv, arrow) and prints one line per pair: "ok" or the differences. */
    static final String COMPARE = """
            import sys, datetime, math
            import numpy as np, pandas as pd, pyarrow as pa
            def kind(dt):
                if pd.api.types.is_bool_dtype(dt): return "bool"
                if pd.api.types.is_integer_dtype(dt): return "int"
                if pd.api.types.is_float_dtype(dt): return "float"
                if pd.api.types.is_datetime64_any_dtype(dt): return "datetime"
                return "text"
            def missing(v):
                return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT
            def instant(s):
                try:
                    return pd.Timestamp(s)
                except Exception:
                    return datetime.datetime.fromisoformat(s)
            args = sys.argv[1:]
            for i in range(0, len(args), 2):
                csv, arrow = args[i], args[i + 1]
                want = pd.read_csv(csv)
                table = pa.ipc.open_file(pa.memory_map(arrow)).read_all()
                got = table.to_pandas()
                errors = []
                if list(want.columns) != list(got.columns):
                    errors.append(f"columns: pandas={list(want.columns)} shm4j={list(got.columns)}")
                else:
                    for name in want.columns:
                        w = want[name].tolist()
                        field = table.schema.field(name)
                        if pa.types.is_date(field.type):
                            if kind(want[name].dtype) not in ("text", "float"):
                                errors.append(f"{name}: pandas dtype {want[name].dtype}, shm4j {field.type}")
                                continue
                            for r, (a, b) in enumerate(zip(w, table.column(name).to_pylist())):
                                if missing(a) != (b is None) or (b is not None and datetime.date.fromisoformat(a) != b):
                                    errors.append(f"{name} row {r}: pandas text {a!r}, shm4j {b!r}")
                                    break
                            continue
                        if pa.types.is_timestamp(field.type):
                            if kind(want[name].dtype) not in ("text", "float"):
                                errors.append(f"{name}: pandas dtype {want[name].dtype}, shm4j {field.type}")
                                continue
                            for r, (a, b) in enumerate(zip(w, table.column(name).to_pylist())):
                                if missing(a) != (b is None) or (b is not None and instant(a) != b):
                                    errors.append(f"{name} row {r}: pandas text {a!r}, shm4j {b!r}")
                                    break
                            continue
                        kw, kg = kind(want[name].dtype), kind(got[name].dtype)
                        if kw != kg:
                            errors.append(f"{name}: pandas dtype {want[name].dtype}, shm4j {got[name].dtype} ({field.type})")
                            continue
                        g = got[name].tolist()
                        for r, (a, b) in enumerate(zip(w, g)):
                            if missing(a) or missing(b):
                                same = missing(a) and missing(b)
                            elif kw == "float":
                                same = a == b or abs(a - b) <= 1e-15 * abs(a)
                            else:
                                same = a == b
                            if not same:
                                errors.append(f"{name} row {r}: pandas {a!r}, shm4j {b!r}")
                                break
                print(csv.rsplit("/", 1)[-1], "ok" if not errors else " | ".join(errors))
            """;

    @TempDir
    Path dir;

    /** Puts each CSV, exports the frame as Arrow, and returns what pandas said per file. */
    List<String> compare(List<Path> csvs) throws Exception {
        List<String> args = new ArrayList<>();
        for (Path csv : csvs) {
            Path arrow = dir.resolve(csv.getFileName() + ".arrow");
            try (SharedFrame f = SharedFrame.copyOf(io.shm4j.segment.ShmOptions.named(TestNames.unique("pd")), csv)) {
                f.save(arrow);
            }
            args.add(csv.toString());
            args.add(arrow.toString());
        }
        Processes.Result r = Processes.python(COMPARE, args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout().lines().toList();
    }

    private Path resource(String name) throws Exception {
        Path p = dir.resolve(name + ".csv");
        try (InputStream in = CsvPandasTest.class.getResourceAsStream("/csv/" + name + ".csv")) {
            Files.copy(in, p);
        }
        return p;
    }

    private Path file(String name, String text) throws Exception {
        Path p = dir.resolve(name + ".csv");
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void shouldInferWhatPandasInfersOnPublicDataSetShapes() throws Exception {
        List<Path> csvs = new ArrayList<>();
        for (String f : FIXTURES) {
            csvs.add(resource(f));
        }
        assertThat(compare(csvs)).allSatisfy(line -> assertThat(line).endsWith(" ok"));
    }

    @Test
    void shouldMatchPandasOnEdgeCases() throws Exception {
        List<Path> csvs = new ArrayList<>();
        csvs.add(file("quoted_empty_lines", "x\n1\n\"\"\n3\n\"\"\n"));
        csvs.add(file("blank_lines", "x,y\n1,a\n\n2,b\n\n"));
        csvs.add(file("na_tokens", "a,b,c\n1,NA,x\nN/A,2.5,NULL\n3,nan,\n"));
        csvs.add(file("crlf_bom", "\uFEFFa,b\r\n1,\"x\r\ny\"\r\n2,z\r\n"));
        csvs.add(file("short_rows", "a,b,c\n1,2,3\n4\n5,6\n"));
        csvs.add(file("spaces", "a,b\n 1,2.5 \n3 , 4\n"));
        csvs.add(file("bools", "a,b,c\nTrue,true,TRUE\nFalse,false,FALSE\n"));
        csvs.add(file("mixed", "a,b,c\n1,1,True\n2,x,1\n3.5,2,False\n"));
        csvs.add(file("big_ints", "a,b\n9223372036854775807,-9223372036854775808\n1,2\n"));
        csvs.add(file("floats", "a\n1e3\n-inf\ninf\n.5\n5.\n1.7976931348623157e308\n4.9e-324\n0.1\n123456789.123456789\n"));
        csvs.add(file("no_rows", "a,b\n"));
        csvs.add(file("all_empty", "a,b\n1,\n2,\n"));
        csvs.add(file("dup_names", "a,a,,b\n1,2,3,4\n"));
        csvs.add(file("sentinel_dates", "d,v\n2024-01-01,1\n9999-12-31,2\n1500-03-01,3\n"));
        csvs.add(file("far_timestamps", "t\n2024-01-01 10:00:00\n9999-12-31 23:59:59\n"));
        csvs.add(file("zulu", "t\n2024-01-01T10:00:00Z\n2024-01-01T11:30:00.5Z\n"));
        csvs.add(file("mixed_offsets", "t\n2024-01-01T10:00:00+01:00\n2024-01-01T10:00:00-05:00\n"));
        csvs.add(file("naive_and_offset", "t\n2024-01-01T10:00:00+01:00\n2024-01-01 10:00:00\n"));
        csvs.add(file("dates_then_times", "t\n2024-01-01\n2024-01-02 10:30\n"));
        csvs.add(file("not_dates", "t\n2024-13-01\n2024-02-30\n"));
        csvs.add(file("dates_with_nulls", "d,e\n2024-01-01,1900-01-01\n,\n2024-03-01,\"\"\n"));
        csvs.add(file("quoted_empty_text", "s,n\nab,1\n\"\",2\n,3\n\"x\",\"\"\n"));
        csvs.add(file("quoted_na_words", "s,n\n\"NA\",\"1\"\nx,\"NULL\"\n\"n/a\",3\n"));
        csvs.add(file("quoted_numbers", "a,b\n\"1\",\"2.5\"\n\"3\",\"True\"\n"));
        csvs.add(manyChunks());
        for (String line : compare(csvs)) {
            assertThat(line).as(line).endsWith(" ok");
        }
    }

    /** Over 3 MB: quoted fields with newlines and commas everywhere, and late contradictions. */
    private Path manyChunks() throws Exception {
        Random rnd = new Random(7);
        StringBuilder b = new StringBuilder("id,text,late_float,late_text,ts\n");
        int rows = 60_000;
        for (int i = 0; i < rows; i++) {
            b.append(i).append(',');
            b.append(switch (i % 5) {
                case 0 -> "\"multi\nline, \"\"quoted\"\"\n" + i + "\"";
                case 1 -> "plain" + i;
                case 2 -> "\"\"";
                case 3 -> "";
                default -> "\"a,b\"";
            }).append(',');
            b.append(i == rows - 3 ? "2.5" : Integer.toString(rnd.nextInt(1000))).append(',');
            b.append(i == rows - 2 ? "late" : Integer.toString(i)).append(',');
            b.append("2024-01-01 00:00:").append(String.format("%02d", i % 60)).append('\n');
        }
        return file("many_chunks", b.toString());
    }

    @Test
    void shouldReadDatesOutsideNanosecondsWithoutError() throws Exception {
        Path csv = file("far", "d,t\n2024-01-01,2024-01-01 10:00:00.123456\n9999-12-31,1200-06-01 00:00:00\n");
        try (SharedFrame f = SharedFrame.copyOf(io.shm4j.segment.ShmOptions.named(TestNames.unique("far")), csv)) {
            DateColumn d = f.view().dates("d");
            TimestampColumn t = f.timestamps("t");
            assertThat(f.column("d").type()).isEqualTo(ColumnType.DATE);
            assertThat(d.get(0)).isEqualTo(java.time.LocalDate.of(2024, 1, 1));
            assertThat(d.get(1)).isEqualTo(java.time.LocalDate.of(9999, 12, 31));
            assertThat(t.unit()).isEqualTo(TimeUnit.MICROSECONDS);
            assertThat(t.localDateTime(0).toString()).isEqualTo("2024-01-01T10:00:00.123456");
            assertThat(t.localDateTime(1).toString()).isEqualTo("1200-06-01T00:00");
        }
    }

    @Test
    void shouldNameTheValueWhenNanosecondsMeetFarDates() throws Exception {
        Path csv = file("clash", "t\n2024-01-01 10:00:00.123456789\n9999-12-31 00:00:00\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SharedFrame.copyOf(io.shm4j.segment.ShmOptions.named(null), csv))
                .isInstanceOf(FrameFormatException.class).hasMessageContaining("value=9999-12-31 00:00:00")
                .hasMessageContaining("row=2");
    }

    /** Exported text reads back in pandas with the same dtypes and values as the frame itself. */
    @Test
    void shouldExportWhatPandasReadsBackTheSame() throws Exception {
        Path csv = dir.resolve("exported.csv");
        long day = 86_400_000_000_000L;
        try (SharedFrame f = SharedFrame.builder(4)
                .addTimestamps("day", null, i -> 19_723 * day + i * day, i -> i == 2)
                .addTimestamps("at", null, i -> 19_723 * day + i * 3_600_000_000_123L, null)
                .addBooleans("flag", i -> i % 2 == 0, null)
                .addCategories("cat", java.util.List.of("red", "blue"), new int[] {0, -1, 1, 0})
                .addStrings("s", new String[] {"a,b", "", null, "say \"hi\""})
                .addDoubles("x", new double[] {0.1, 1e300, -2.5, 3}, i -> i == 1)
                .addLongs("n", new long[] {1, -2, 3, Long.MAX_VALUE}, null)
                .build(io.shm4j.segment.ShmOptions.named(TestNames.unique("exp")))) {
            f.save(csv);
            assertThat(Files.readAllLines(csv)).containsExactly(
                    "day,at,flag,cat,s,x,n",
                    "2024-01-01 00:00:00,2024-01-01 00:00:00,True,red,\"a,b\",0.1,1",
                    "2024-01-02 00:00:00,2024-01-01 01:00:00.000000123,False,,\"\",,-2",
                    ",2024-01-01 02:00:00.000000246,True,blue,,-2.5,3",
                    "2024-01-04 00:00:00,2024-01-01 03:00:00.000000369,False,red,\"say \"\"hi\"\"\",3.0,9223372036854775807");
        }
        assertThat(compare(List.of(csv))).allSatisfy(line -> assertThat(line).endsWith(" ok"));
    }

    /** Dates stay dates: a date32 column (read from CSV) exports as ISO dates, far ones too, and reads back the same. */
    @Test
    void shouldExportDatesAsDates() throws Exception {
        Path in = file("dates_in", "d,t\n2024-01-01,2024-01-01 00:00:00\n,2024-01-02 00:00:00\n9999-12-31,\n1500-03-01,2024-01-04 00:00:00\n");
        Path out = dir.resolve("dates_out.csv");
        try (SharedFrame f = SharedFrame.copyOf(io.shm4j.segment.ShmOptions.named(TestNames.unique("dt")), in)) {
            assertThat(f.column("d").type()).isEqualTo(ColumnType.DATE);
            assertThat(f.column("t").type()).isEqualTo(ColumnType.TIMESTAMP);
            f.save(out);
        }
        assertThat(Files.readString(out)).isEqualTo(Files.readString(in));
        try (SharedFrame back = SharedFrame.copyOf(io.shm4j.segment.ShmOptions.named(TestNames.unique("dt")), out)) {
            assertThat(back.column("d").type()).isEqualTo(ColumnType.DATE);
            assertThat(back.column("t").type()).isEqualTo(ColumnType.TIMESTAMP);
        }
        assertThat(compare(List.of(out))).allSatisfy(line -> assertThat(line).endsWith(" ok"));
    }

    /** Zones the JDK lacks but IANA (and pandas) know: a pyarrow file with them opens and exports. */
    @Test
    void shouldAcceptIanaZonesTheJdkLacks() throws Exception {
        Path arrow = dir.resolve("zones.arrow");
        Processes.Result r = Processes.python("""
                import sys, pyarrow as pa
                cols = {z: pa.array([1_700_000_000_000_000_000], pa.timestamp("ns", tz=z)) for z in ["EST", "MST", "HST", "ROC"]}
                t = pa.table(cols)
                with pa.OSFile(sys.argv[1], "wb") as s, pa.ipc.new_file(s, t.schema) as w:
                    w.write_table(t)
                """, arrow.toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        Path csv = dir.resolve("zones.csv");
        try (SharedFrame f = SharedFrame.open(arrow)) {
            assertThat(f.timestamps("ROC").localDateTime(0).toString()).isEqualTo("2023-11-15T06:13:20");
            f.save(csv);
        }
        assertThat(Files.readAllLines(csv)).containsExactly("EST,MST,HST,ROC",
                "2023-11-14 17:13:20-05:00,2023-11-14 15:13:20-07:00,2023-11-14 12:13:20-10:00,2023-11-15 06:13:20+08:00");
    }
}
