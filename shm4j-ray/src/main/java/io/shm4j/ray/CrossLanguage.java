package io.shm4j.ray;

import io.shm4j.array.DType;
import io.shm4j.array.SharedArray;
import io.shm4j.segment.Access;
import io.shm4j.segment.ProcessIdentity;
import io.shm4j.segment.Segment;
import io.shm4j.segment.ShmOptions;

/**
 * Java tasks a Python Ray driver can call with {@code ray.cross_language.java_function}: they
 * take and return names of shm4j segments (strings cross languages; data does not), and run on a
 * Java worker of the node where the segments are, so both sides map the same memory.
 *
 * <pre>{@code
 * sum = ray.cross_language.java_function("io.shm4j.ray.CrossLanguage", "sum")
 * ray.get(sum.remote(shared.name))             # the Java worker maps the NumPy array's segment
 * }</pre>
 *
 * <p>See python/examples/ray_cross_language.py. Stateless and thread-safe; each call maps the
 * segment it reads and unmaps it before it returns.
 */
public final class CrossLanguage {
    private CrossLanguage() {}

    /** The sum of the float64 array (a {@code .npy} segment) named {@code name}, in this node's shm directory. */
    public static double sum(String name) {
        try (SharedArray a = SharedArray.of(Segment.attach(name, Access.READ_ONLY))) {
            return a.sum();
        }
    }

    /**
     * Writes {@code factor × array} into a new float64 array segment owned by the process
     * {@code ownerPid} (the Python driver: the result dies with it unless it removes it first)
     * and returns its name, for the driver to map ({@code shm4j.attach(name)}).
     */
    public static String scale(String name, double factor, String ownerPid) {
        ProcessIdentity owner = ProcessIdentity.of(Long.parseLong(ownerPid)).orElseThrow(() ->
                new IllegalArgumentException("no such process on this node: ownerPid=" + ownerPid
                        + "; the owner must run on the node of this Java worker"));
        try (SharedArray a = SharedArray.of(Segment.attach(name, Access.READ_ONLY))) {
            long[] shape = a.shape();
            SharedArray out = SharedArray.fromFunction(ShmOptions.defaults().withOwner(owner), DType.FLOAT64, shape,
                    idx -> a.getAsDouble(idx) * factor);
            String result = out.name();
            out.segment().closeWithoutUnlink(); // the owner's now
            return result;
        }
    }
}
