package dev.byob.it.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * JUnit 5 extension giving tests the JVM's shared real servers ({@link TestServers#shared()}).
 *
 * <ul>
 *   <li>Resolves parameters of type {@link Homeserver}, {@link IrcNetwork}, {@link PostgresServer} and
 *       {@link TestServers}, starting the server on first use.</li>
 *   <li>Stops the servers when the test run ends (they are kept in the root context's store), or at JVM
 *       exit if that comes first.</li>
 *   <li>Adds the paths of the servers' logs to the message of a failing test.</li>
 * </ul>
 */
public final class RealServersExtension implements ParameterResolver, TestExecutionExceptionHandler,
        LifecycleMethodExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RealServersExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Homeserver.class || type == IrcNetwork.class || type == PostgresServer.class
                || type == TestServers.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        TestServers servers = servers(context);
        Class<?> type = parameter.getParameter().getType();
        try {
            if (type == Homeserver.class) {
                return servers.homeserver();
            }
            if (type == IrcNetwork.class) {
                return servers.irc();
            }
            if (type == PostgresServer.class) {
                return servers.postgres();
            }
            return servers;
        } catch (ServersUnavailableException | ServerStartException e) {
            throw new ParameterResolutionException(e.getMessage(), e);
        }
    }

    /** The shared servers, registered for stopping when the root context closes. */
    private static TestServers servers(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(TestServers.class, key -> TestServers.shared(), TestServers.class);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        throw withLogs(context, throwable);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        throw withLogs(context, throwable);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        throw withLogs(context, throwable);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        throw withLogs(context, throwable);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable throwable)
            throws Throwable {
        throw withLogs(context, throwable);
    }

    /** The failure with the server logs named in its message (aborted tests and start failures as they are). */
    static Throwable withLogs(ExtensionContext context, Throwable throwable) {
        if (throwable instanceof TestAbortedException || throwable instanceof ServerStartException
                || throwable instanceof ServersUnavailableException) {
            return throwable;
        }
        List<Path> logs = servers(context).logs();
        if (logs.isEmpty()) {
            return throwable;
        }
        String message = throwable.getMessage() + System.lineSeparator() + "Server logs (kept after the build): "
                + logs.stream().map(Path::toString).collect(Collectors.joining(", "));
        AssertionError failure = new AssertionError(message, throwable);
        failure.setStackTrace(throwable.getStackTrace());
        return failure;
    }
}
