package io.shm4j.cli;

import io.shm4j.segment.SegmentInfo;
import io.shm4j.segment.ShmDirectory;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code shm4j info NAME}: everything known about one segment. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show one segment: kind, size, owner, lifetime, and what it holds.")
final class InfoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Segment name.")
    String name;

    @Option(names = "--json", description = "One JSON object, for scripts.")
    boolean json;

    @Override
    public Integer call() {
        SegmentInfo info = ShmDirectory.current().info(name);
        Map<String, Object> m = LsCommand.toMap(info);
        m.putAll(Contents.describe(info, json));
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(m));
        } else {
            for (Map.Entry<String, Object> e : m.entrySet()) {
                Object v = e.getValue();
                if (e.getKey().equals("size")) {
                    v = v + " (" + Format.bytes(info.size()) + ")";
                }
                String text = v == null ? "-" : v.toString().stripTrailing().replace("\n", "\n             ");
                out.printf("%-12s %s%n", e.getKey() + ":", text);
            }
        }
        return 0;
    }
}
