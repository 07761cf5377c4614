package dev.byob.it.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Polls until a server answers, its process dies, or a deadline passes. */
public final class Readiness {
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private Readiness() {
    }

    /** A check that a server is ready; it may throw, which counts as "not yet". */
    @FunctionalInterface
    public interface Probe {
        /** Whether the server is ready. */
        boolean ready() throws Exception;
    }

    /**
     * Waits until {@code probe} reports ready.
     *
     * @param what the server, for messages
     * @param timeout how long to wait at most
     * @param probe the readiness check
     * @param processes processes that must stay alive meanwhile; their logs go into a failure's message
     * @throws ServerStartException if a process exits or the deadline passes first
     */
    public static void await(String what, Duration timeout, Probe probe, List<ManagedProcess> processes) {
        Deadline deadline = Deadline.after(timeout);
        List<Path> logs = new ArrayList<>();
        processes.forEach(process -> logs.add(process.log()));
        Exception lastFailure = null;
        while (true) {
            for (ManagedProcess process : processes) {
                if (!process.isAlive()) {
                    throw new ServerStartException(what + ": " + process.name() + " exited with code "
                            + process.exitCode() + " before it was ready", logs);
                }
            }
            try {
                if (probe.ready()) {
                    return;
                }
            } catch (Exception e) {
                lastFailure = e;
            }
            if (deadline.expired()) {
                throw new ServerStartException(what + " not ready within " + timeout
                        + (lastFailure == null ? "" : " (last check: " + lastFailure + ")"), logs, lastFailure);
            }
            deadline.sleep(POLL_INTERVAL);
        }
    }
}
