package io.shm4j.array;

import io.shm4j.segment.ShmOptions;
import java.nio.file.Path;

/**
 * A second JVM for the export tests: {@code loop FILE MB} saves an array of MB megabytes to FILE
 * over and over, printing "saved" after each, until killed.
 */
public final class ExportChild {
    public static void main(String[] args) {
        Path file = Path.of(args[1]);
        long n = Long.parseLong(args[2]) << 17; // float64 elements in MB megabytes
        try (SharedArray a = SharedArray.zeros(ShmOptions.defaults(), DType.FLOAT64, n)) {
            while (true) {
                a.save(file);
                System.out.println("saved");
                System.out.flush();
            }
        }
    }
}
