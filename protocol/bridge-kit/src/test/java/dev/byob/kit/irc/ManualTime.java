package dev.byob.kit.irc;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/** A clock and scheduler that move only when a test says so. Thread-safe. */
final class ManualTime implements InstantSource, Scheduler {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final List<Task> tasks = new ArrayList<>();
    private long sequence;

    private record Task(Instant due, long sequence, Duration delay, Runnable action, CompletableFuture<Void> future) {
    }

    @Override
    public synchronized Instant instant() {
        return now;
    }

    @Override
    public synchronized Future<?> schedule(Duration delay, Runnable task) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        tasks.add(new Task(now.plus(delay), sequence++, delay, task, future));
        return future;
    }

    /** The delays of the tasks waiting, not cancelled, in the order they were scheduled. */
    synchronized List<Duration> pendingDelays() {
        List<Duration> delays = new ArrayList<>();
        tasks.stream().filter(t -> !t.future().isCancelled()).sorted(Comparator.comparingLong(Task::sequence))
                .forEach(t -> delays.add(t.delay()));
        return delays;
    }

    /** Moves the clock forward, running every task that comes due, in due order. */
    void advance(Duration by) {
        Instant target;
        synchronized (this) {
            target = now.plus(by);
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> !t.due().isAfter(target))
                        .min(Comparator.comparing(Task::due).thenComparingLong(Task::sequence)).orElse(null);
                if (next == null) {
                    now = target;
                    return;
                }
                tasks.remove(next);
                if (next.due().isAfter(now)) {
                    now = next.due();
                }
            }
            if (!next.future().isCancelled()) {
                next.action().run();
                next.future().complete(null);
            }
        }
    }
}
