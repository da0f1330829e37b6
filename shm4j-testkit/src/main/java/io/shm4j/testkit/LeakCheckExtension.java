package io.shm4j.testkit;

import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a JUnit test that leaks a segment file, a mapping or a process (see {@link LeakCheck}).
 * Registered for every test by auto-detection ({@code junit-platform.properties} in this jar).
 */
public final class LeakCheckExtension implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(LeakCheckExtension.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        LeakCheck check = new LeakCheck();
        check.before();
        context.getStore(NS).put("check", check);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        LeakCheck check = context.getStore(NS).remove("check", LeakCheck.class);
        if (check == null) {
            return;
        }
        List<String> leaks = check.after();
        if (!leaks.isEmpty()) {
            throw new AssertionError("test leaked " + leaks.size() + " resource(s):\n  "
                    + String.join("\n  ", leaks));
        }
    }
}
