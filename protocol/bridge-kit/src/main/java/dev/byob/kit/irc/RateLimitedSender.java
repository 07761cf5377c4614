package dev.byob.kit.irc;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * Flood control for one IRC connection: a token bucket holding at most {@code burst} lines, refilled
 * with one line every {@code interval}. Lines within the budget go to the sink at once; the rest wait
 * in order, in a bounded queue, and are released as tokens come back. Servers disconnect clients that
 * send faster than they allow; this keeps a bridge under that.
 *
 * <p>Not thread-safe: use it from one thread, the connection's event loop; the {@link Scheduler}'s
 * tasks must run there too.
 *
 * @param <T> what is sent
 */
public final class RateLimitedSender<T> {
    private final int burst;
    private final Duration interval;
    private final InstantSource clock;
    private final Scheduler scheduler;
    private final Predicate<? super T> sink;
    private final int maxQueued;
    private final ArrayDeque<T> queue = new ArrayDeque<>();
    private double tokens;
    private Instant refilledAt;
    private Future<?> drain;

    /**
     * @param burst lines that may go out back to back, at least 1
     * @param interval the time to earn one more line, positive
     * @param clock the time
     * @param scheduler wakes the sender when a queued line may go
     * @param sink where lines go; it answers false for a line it dropped unsent (withdrawn by its sender),
     *     which then costs no budget
     * @param maxQueued the longest queue; {@link #submit} refuses beyond it
     */
    public RateLimitedSender(int burst, Duration interval, InstantSource clock, Scheduler scheduler,
                             Predicate<? super T> sink, int maxQueued) {
        if (burst < 1) {
            throw new IllegalArgumentException("burst must be at least 1, was " + burst);
        }
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("maxQueued must not be negative, was " + maxQueued);
        }
        this.burst = burst;
        this.interval = interval;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.maxQueued = maxQueued;
        this.tokens = burst;
        this.refilledAt = clock.instant();
    }

    /**
     * Sends {@code item} now if the budget allows and nothing is waiting, otherwise queues it.
     *
     * @return false if the queue is full and the item was not taken
     */
    public boolean submit(T item) {
        Objects.requireNonNull(item, "item");
        refill();
        if (queue.isEmpty() && tokens >= 1.0) {
            if (sink.test(item)) {
                tokens -= 1.0;
            }
            return true;
        }
        if (queue.size() >= maxQueued) {
            return false;
        }
        queue.addLast(item);
        scheduleDrain();
        return true;
    }

    /** How many items wait. */
    public int queued() {
        return queue.size();
    }

    /** Drops and returns every waiting item, e.g. when the connection closed; cancels the pending wake-up. */
    public List<T> clear() {
        List<T> dropped = new ArrayList<>(queue);
        queue.clear();
        if (drain != null) {
            drain.cancel(false);
            drain = null;
        }
        return dropped;
    }

    private void drain() {
        drain = null;
        refill();
        while (!queue.isEmpty() && tokens >= 1.0) {
            if (sink.test(queue.removeFirst())) {
                tokens -= 1.0;
            }
        }
        if (!queue.isEmpty()) {
            scheduleDrain();
        }
    }

    private void scheduleDrain() {
        if (drain != null) {
            return;
        }
        double missing = Math.max(0.0, 1.0 - tokens);
        long nanos = (long) Math.ceil(missing * interval.toNanos());
        drain = scheduler.schedule(Duration.ofNanos(nanos), this::drain);
    }

    private void refill() {
        Instant now = clock.instant();
        if (now.isAfter(refilledAt)) {
            double earned = (double) Duration.between(refilledAt, now).toNanos() / interval.toNanos();
            tokens = Math.min(burst, tokens + earned);
        }
        refilledAt = now;
    }
}
