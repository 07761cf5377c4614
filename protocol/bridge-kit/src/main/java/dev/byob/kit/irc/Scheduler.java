package dev.byob.kit.irc;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once after a delay. Injected wherever the IRC transport waits (reconnect backoff, flood
 * control, registration timeout), so tests can drive time by hand. Tasks may run on any thread; the
 * transport moves them onto its event loop itself.
 */
@FunctionalInterface
public interface Scheduler {

    /** Runs {@code task} once after {@code delay}; cancelling the returned future prevents a task not yet started. */
    Future<?> schedule(Duration delay, Runnable task);

    /** A scheduler on {@code executor} (a Netty event loop group is one). */
    static Scheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (delay, task) -> executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    }
}
