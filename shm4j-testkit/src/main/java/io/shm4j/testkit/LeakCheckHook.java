package io.shm4j.testkit;

import java.util.List;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Fails a jqwik property whose tries leak a segment file, a mapping or a process (see
 * {@link LeakCheck}). Registered globally through {@code META-INF/services}.
 */
public final class LeakCheckHook implements AroundPropertyHook {
    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context,
            PropertyExecutor property) {
        LeakCheck check = new LeakCheck();
        check.before();
        PropertyExecutionResult result = property.execute();
        List<String> leaks = check.after();
        if (!leaks.isEmpty() && result.status() == PropertyExecutionResult.Status.SUCCESSFUL) {
            return result.mapToFailed(new AssertionError("property leaked " + leaks.size()
                    + " resource(s):\n  " + String.join("\n  ", leaks)));
        }
        return result;
    }

    @Override
    public boolean appliesTo(java.util.Optional<java.lang.reflect.AnnotatedElement> element) {
        return true;
    }

    @Override
    public net.jqwik.api.lifecycle.PropagationMode propagateTo() {
        return net.jqwik.api.lifecycle.PropagationMode.ALL_DESCENDANTS;
    }
}
