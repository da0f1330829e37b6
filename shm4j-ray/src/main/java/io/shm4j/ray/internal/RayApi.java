package io.shm4j.ray.internal;

import io.shm4j.ray.RayUnavailableException;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Map;

/**
 * The few calls of Ray's Java API the backend makes, bound at run time: shm4j-ray is built
 * without Ray (Ray's jar is never vendored and is not on Maven Central in current versions), and
 * the driver runs with the installed Ray's jar on its class path ({@link RaySetup}). Refs are
 * {@code io.ray.api.ObjectRef}s typed as {@code Object}.
 *
 * <p>The one Ray function, {@link RayEntry#run}, is made a serializable {@code RayFunc3} with
 * {@link LambdaMetafactory} (as javac does for {@code RayEntry::run}), so that Ray names it by
 * class and method.
 *
 * <p>Thread-safe once made; Ray calls themselves run on the connection's thread.
 */
final class RayApi {
    private final MethodHandle init;
    private final MethodHandle put;
    private final MethodHandle get;
    private final MethodHandle waitFor;
    private final MethodHandle ready;
    private final MethodHandle newCaller;
    private final MethodHandle setResources;
    private final MethodHandle remote;
    private final Object entry;
    private final Object chunk;
    private final MethodHandle runtimeContext;
    private final MethodHandle currentNodeId;
    private final MethodHandle allNodes;

    private RayApi(ClassLoader loader) throws ReflectiveOperationException {
        MethodHandles.Lookup pub = MethodHandles.publicLookup();
        Class<?> ray = Class.forName("io.ray.api.Ray", true, loader);
        RayApi.class.getModule().addReads(ray.getModule()); // on the module path: Ray is on the class path
        Class<?> objectRef = Class.forName("io.ray.api.ObjectRef", false, loader);
        Class<?> waitResult = Class.forName("io.ray.api.WaitResult", false, loader);
        Class<?> func3 = Class.forName("io.ray.api.function.RayFunc3", false, loader);
        Class<?> funcR = Class.forName("io.ray.api.function.RayFuncR", false, loader);
        Class<?> caller = Class.forName("io.ray.api.call.TaskCaller", false, loader);
        Class<?> baseCaller = Class.forName("io.ray.api.call.BaseTaskCaller", false, loader);
        init = pub.findStatic(ray, "init", MethodType.methodType(void.class));
        put = pub.findStatic(ray, "put", MethodType.methodType(objectRef, Object.class));
        get = pub.findStatic(ray, "get", MethodType.methodType(Object.class, objectRef));
        waitFor = pub.findStatic(ray, "wait", MethodType.methodType(waitResult, List.class, int.class, int.class));
        ready = pub.findVirtual(waitResult, "getReady", MethodType.methodType(List.class));
        newCaller = pub.findConstructor(caller, MethodType.methodType(void.class, funcR, Object[].class)).asFixedArity();
        setResources = pub.findVirtual(baseCaller, "setResources", MethodType.methodType(baseCaller, Map.class));
        remote = pub.findVirtual(caller, "remote", MethodType.methodType(objectRef));
        Class<?> context = Class.forName("io.ray.api.runtimecontext.RuntimeContext", false, loader);
        runtimeContext = pub.findStatic(ray, "getRuntimeContext", MethodType.methodType(context));
        currentNodeId = pub.findVirtual(context, "getCurrentNodeId",
                MethodType.methodType(Class.forName("io.ray.api.id.UniqueId", false, loader)));
        allNodes = pub.findVirtual(context, "getAllNodeInfo", MethodType.methodType(List.class));
        MethodType sig3 = MethodType.methodType(byte[].class, byte[].class, byte[].class, byte[].class);
        entry = function(func3, "run", sig3);
        chunk = function(Class.forName("io.ray.api.function.RayFunc1", false, loader), "chunk",
                MethodType.methodType(byte[].class, byte[].class));
    }

    /** A serializable lambda of {@code RayEntry.<method>} implementing Ray's {@code funcInterface}. */
    private static Object function(Class<?> funcInterface, String method, MethodType sig)
            throws ReflectiveOperationException {
        MethodHandles.Lookup own = MethodHandles.lookup();
        MethodHandle impl = own.findStatic(RayEntry.class, method, sig);
        try {
            return LambdaMetafactory.altMetafactory(own, "apply", MethodType.methodType(funcInterface),
                    sig.erase().changeReturnType(Object.class), impl, sig,
                    LambdaMetafactory.FLAG_SERIALIZABLE).getTarget().invoke();
        } catch (ReflectiveOperationException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A node of the cluster as the GCS's node table has it: id, address, alive, total resources. */
    record Node(String id, String address, boolean alive, Map<String, Double> resources) {
        /** Whether this node has at least {@code asked} of each resource. */
        boolean has(Map<String, Double> asked) {
            for (Map.Entry<String, Double> e : asked.entrySet()) {
                if (e.getValue() > 0 && resources.getOrDefault(e.getKey(), 0.0) < e.getValue()) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return address + " (id " + id + (alive ? "" : ", dead") + ")";
        }
    }

    /** The cluster's nodes, alive and dead, from the GCS (one RPC). */
    @SuppressWarnings("unchecked")
    List<Node> nodes() {
        Object ctx = call(runtimeContext);
        List<Node> out = new java.util.ArrayList<>();
        for (Object info : (List<?>) call(allNodes, ctx)) {
            try {
                Class<?> c = info.getClass();
                out.add(new Node(String.valueOf(c.getField("nodeId").get(info)),
                        (String) c.getField("nodeAddress").get(info), c.getField("isAlive").getBoolean(info),
                        resources((Map<String, Double>) c.getField("resources").get(info))));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("Ray's NodeInfo changed: " + e, e);
            }
        }
        return out;
    }

    private static Map<String, Double> resources(Map<String, Double> m) {
        Map<String, Double> out = new java.util.HashMap<>();
        if (m != null) {
            m.forEach((k, v) -> {
                if (k != null && v != null) {
                    out.put(k, v);
                }
            });
        }
        return Map.copyOf(out);
    }

    /** The address of the node this process runs on, as the cluster knows it. */
    String nodeAddress() {
        Object ctx = call(runtimeContext);
        Object me = call(currentNodeId, ctx);
        for (Object info : (List<?>) call(allNodes, ctx)) {
            try {
                if (me.equals(info.getClass().getField("nodeId").get(info))) {
                    return (String) info.getClass().getField("nodeAddress").get(info);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("Ray's NodeInfo changed: " + e, e);
            }
        }
        throw new IllegalStateException("this node is not in the cluster's node table: nodeId=" + me);
    }

    /** Submits {@code RayEntry.chunk(request)} with {@code resources} and returns the ref of its result. */
    Object submitChunk(byte[] request, Map<String, Double> resources) {
        Object c = call(newCaller, chunk, new Object[] {request});
        c = call(setResources, c, resources);
        return call(remote, c);
    }

    /** Binds Ray's API from {@code loader}. */
    static RayApi bind(ClassLoader loader) {
        try {
            return new RayApi(loader);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new RayUnavailableException("Ray's Java API is missing or not the expected one: error=" + e
                    + "; put ray/jars/ray_dist.jar of the installed ray package on the class path", e);
        }
    }

    void init() {
        call(init);
    }

    Object put(Object value) {
        return call(put, value);
    }

    Object get(Object ref) {
        return call(get, ref);
    }

    /** The refs of {@code refs} ready within {@code timeoutMillis} (at least one, unless it timed out). */
    @SuppressWarnings("unchecked")
    List<Object> ready(List<Object> refs, int timeoutMillis) {
        return (List<Object>) call(ready, call(waitFor, refs, 1, timeoutMillis));
    }

    /** Submits {@code RayEntry.run(args)} with {@code resources} and returns the ref of its result. */
    Object submit(Object[] args, Map<String, Double> resources) {
        Object c = call(newCaller, entry, args);
        if (!resources.isEmpty()) {
            c = call(setResources, c, resources);
        }
        return call(remote, c);
    }

    private static Object call(MethodHandle h, Object... args) {
        try {
            return h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("Ray call failed: " + t, t);
        }
    }
}
