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

    private RayApi(ClassLoader loader) throws ReflectiveOperationException {
        MethodHandles.Lookup pub = MethodHandles.publicLookup();
        Class<?> ray = Class.forName("io.ray.api.Ray", true, loader);
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
        MethodHandles.Lookup own = MethodHandles.lookup();
        MethodType sig = MethodType.methodType(byte[].class, byte[].class, byte[].class, byte[].class);
        MethodHandle impl = own.findStatic(RayEntry.class, "run", sig);
        try {
            entry = LambdaMetafactory.altMetafactory(own, "apply", MethodType.methodType(func3),
                    MethodType.methodType(Object.class, Object.class, Object.class, Object.class), impl, sig,
                    LambdaMetafactory.FLAG_SERIALIZABLE).getTarget().invoke();
        } catch (ReflectiveOperationException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
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
