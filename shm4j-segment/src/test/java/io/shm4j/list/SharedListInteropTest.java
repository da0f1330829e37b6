package io.shm4j.list;

import static io.shm4j.list.SharedListTest.assertSameItems;
import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.segment.ShmDirectory;
import io.shm4j.testkit.Processes;
import io.shm4j.testkit.TestNames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real CPython processes (the configured {@code python3} and the newest other CPython on the
 * machine) read and update lists Java created, and the reverse, with CPython's own
 * {@code ShareableList}.
 */
class SharedListInteropTest {
    /** Prints a list's items one a line as {@code type value} (strings and bytes in hex). */
    static final String DUMP = """
            def dump(sl):
                for v in sl:
                    if isinstance(v, str):
                        print("str", v.encode().hex())
                    elif isinstance(v, bytes):
                        print("bytes", v.hex())
                    elif v is None:
                        print("None", "-")
                    else:
                        print(type(v).__name__, repr(v))
            """;

    static Stream<String> pythons() {
        return Processes.pythons().stream();
    }

    @ParameterizedTest
    @MethodSource("pythons")
    void shouldReadAndUpdateAListPythonCreated(String python) {
        String name = TestNames.unique("py-list");
        String create = """
                import sys
                from multiprocessing import resource_tracker
                from multiprocessing.shared_memory import ShareableList
                sl = ShareableList([42, -7, 3.5, True, False, None, "héllo", b"by\\x00tes", "", 2**63 - 1,
                                    float("inf"), "a longer string of 37 characters ....."], name=sys.argv[1])
                resource_tracker.unregister(sl.shm._name, "shared_memory")  # the JVM removes it
                sl.shm.close()
                """;
        try {
            Processes.pythonWith(python, create, name).assertOk();
            try (SharedList list = SharedList.attach(name)) {
                assertSameItems(list.toList(), Arrays.asList(42L, -7L, 3.5, true, false, null, "héllo",
                        new byte[] {'b', 'y', 0, 't', 'e', 's'}, "", Long.MAX_VALUE, Double.POSITIVE_INFINITY,
                        "a longer string of 37 characters ....."));
                assertThat(list.capacity(11)).isEqualTo(40);
                list.setLong(0, 43);
                list.getAndAddLong(1, -1);
                list.set(2, "ab");               // float -> str in its 8-byte slot
                list.set(5, 12.25);              // None -> float
                list.set(6, "wörld!");
                list.set(7, null);
                list.setBoolean(3, false);
                list.set(11, "short");
            }
            String read = DUMP + """
                    import sys
                    from multiprocessing import resource_tracker
                    from multiprocessing.shared_memory import ShareableList
                    sl = ShareableList(name=sys.argv[1])
                    resource_tracker.unregister(sl.shm._name, "shared_memory")
                    dump(sl)
                    sl.shm.close()
                    """;
            String out = Processes.pythonWith(python, read, name).assertOk().stdout();
            assertThat(out.lines().toList()).containsExactly("int 43", "int -8", "str " + hex("ab"),
                    "bool False", "bool False", "float 12.25", "str " + hex("wörld!"), "None -", "str ",
                    "int 9223372036854775807", "float inf", "str " + hex("short"));
        } finally {
            ShmDirectory.current().remove(name, true); // Python made it: not shm4j's to remove without force
        }
    }

    @ParameterizedTest
    @MethodSource("pythons")
    void shouldBeReadAndUpdatedByPython(String python) {
        String name = TestNames.unique("java-list");
        try (SharedList list = SharedList.create(name, Arrays.asList(1L, 2.5, true, null, "grüße", new byte[] {1, 2},
                "", Long.MIN_VALUE))) {
            String script = DUMP + """
                    import sys
                    from multiprocessing import resource_tracker
                    from multiprocessing.shared_memory import ShareableList
                    sl = ShareableList(name=sys.argv[1])
                    resource_tracker.unregister(sl.shm._name, "shared_memory")  # attach only
                    dump(sl)
                    print(sl.format)
                    sl[0] = 99
                    sl[1] = "xyz"
                    sl[3] = -1.5
                    sl[4] = "ok"
                    try:
                        sl[6] = "too long for eight"
                    except ValueError as e:
                        print("ValueError")
                    sl.shm.close()
                    """;
            String out = Processes.pythonWith(python, script, name).assertOk().stdout();
            assertThat(out.lines().toList()).containsExactly("int 1", "float 2.5", "bool True", "None -",
                    "str " + hex("grüße"), "bytes 0102", "str ", "int -9223372036854775808",
                    "qdxxxxxxx?xxxxxx?x8s8s8sq", "ValueError");
            assertSameItems(list.toList(), Arrays.asList(99L, "xyz", true, -1.5, "ok", new byte[] {1, 2}, "",
                    Long.MIN_VALUE));
        }
    }

    @ParameterizedTest
    @MethodSource("pythons")
    void shouldAgreeWithPythonOnRandomLists(String python) {
        Arbitrary<List<Object>> lists = SharedListTest.items().list().ofMaxSize(12);
        List<SharedList> created = new ArrayList<>();
        List<List<Object>> expected = lists.sampleStream().limit(25).toList();
        try {
            for (List<Object> items : expected) {
                created.add(SharedList.create(items));
            }
            String script = DUMP + """
                    import sys
                    from multiprocessing import resource_tracker
                    from multiprocessing.shared_memory import ShareableList
                    for name in sys.argv[1:]:
                        sl = ShareableList(name=name)
                        resource_tracker.unregister(sl.shm._name, "shared_memory")
                        print("list", len(sl))
                        dump(sl)
                        sl.shm.close()
                    """;
            String[] names = created.stream().map(SharedList::name).toArray(String[]::new);
            List<String> lines = Processes.pythonWith(python, script, names).assertOk().stdout().lines().toList();
            List<String> want = new ArrayList<>();
            for (List<Object> items : expected) {
                want.add("list " + items.size());
                for (Object v : items) {
                    want.add(pythonLine(v));
                }
            }
            assertThat(normalizeFloats(lines)).containsExactlyElementsOf(normalizeFloats(want));
        } finally {
            created.forEach(SharedList::close);
        }
    }

    @Test
    void shouldAddAtomicallyAcrossJvms() throws Exception {
        try (SharedList list = SharedList.create(TestNames.unique("list-jvms"), List.of(0L, 0.0))) {
            List<Process> children = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                children.add(Processes.javaBuilder(ListChild.class, list.name(), "20000").inheritIO().start());
            }
            for (int i = 0; i < 20_000; i++) {
                list.getAndAddLong(0, 1);
                list.getAndAddDouble(1, 1.0);
            }
            for (Process p : children) {
                assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
            }
            assertThat(list.getLong(0)).isEqualTo(60_000);
            assertThat(list.getDouble(1)).isEqualTo(60_000.0);
        }
    }

    static String pythonLine(Object v) {
        if (v == null) {
            return "None -";
        }
        if (v instanceof String s) {
            return "str " + hex(s);
        }
        if (v instanceof byte[] b) {
            return "bytes " + HexFormat.of().formatHex(b);
        }
        if (v instanceof Boolean b) {
            return "bool " + (b ? "True" : "False");
        }
        if (v instanceof Double d) {
            return "float " + d;
        }
        return "int " + v;
    }

    /** Floats compared by value: Python prints repr (shortest), Java Double.toString. */
    static List<String> normalizeFloats(List<String> lines) {
        return lines.stream().map(l -> {
            if (!l.startsWith("float ")) {
                return l;
            }
            String v = l.substring(6);
            double d = switch (v) {
                case "nan", "NaN" -> Double.NaN;
                case "inf", "Infinity" -> Double.POSITIVE_INFINITY;
                case "-inf", "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(v);
            };
            return "float " + Double.doubleToLongBits(d);
        }).toList();
    }

    static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
