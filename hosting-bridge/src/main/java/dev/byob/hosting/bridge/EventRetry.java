package dev.byob.hosting.bridge;

import java.time.Duration;
import java.util.Objects;

/**
 * What the core does when handling a stored event fails: try it again after a growing delay, a bounded number
 * of times, before giving up on it. Events are handled in order, so one failing event holds back the ones
 * behind it while it is retried; the bound keeps that short. Not thread-safe: the core thread only.
 */
final class EventRetry {
    /** How many times an event is tried in all before the core gives up on it. */
    static final int MAX_ATTEMPTS = 5;
    /** The delay before the first retry; each further one doubles it. */
    static final Duration FIRST_DELAY = Duration.ofMillis(500);
    /** The longest delay between two attempts. */
    static final Duration MAX_DELAY = Duration.ofSeconds(30);

    /** What to do after a failure. */
    sealed interface Decision permits Retry, GiveUp {
    }

    /** Try the event again after {@code delay}; {@code attempt} is the number of the next attempt (from 2). */
    record Retry(Duration delay, int attempt) implements Decision {
    }

    /** Give up on the event after {@code attempts} failed attempts. */
    record GiveUp(int attempts) implements Decision {
    }

    private final int maxAttempts;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private long seq = Long.MIN_VALUE;
    private int failures;

    EventRetry() {
        this(MAX_ATTEMPTS, FIRST_DELAY, MAX_DELAY);
    }

    EventRetry(int maxAttempts, Duration firstDelay, Duration maxDelay) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.maxAttempts = maxAttempts;
        this.firstDelay = Objects.requireNonNull(firstDelay, "firstDelay");
        this.maxDelay = Objects.requireNonNull(maxDelay, "maxDelay");
    }

    /** Handling the event {@code seq} failed: retry it, or give up (then the count starts afresh). */
    Decision failed(long seq) {
        if (seq != this.seq) {
            this.seq = seq;
            failures = 0;
        }
        failures++;
        if (failures >= maxAttempts) {
            int attempts = failures;
            reset();
            return new GiveUp(attempts);
        }
        Duration delay = firstDelay;
        for (int i = 1; i < failures && delay.compareTo(maxDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return new Retry(delay.compareTo(maxDelay) > 0 ? maxDelay : delay, failures + 1);
    }

    /** The event {@code seq} was handled: its failures are forgotten. */
    void succeeded(long seq) {
        if (seq == this.seq) {
            reset();
        }
    }

    private void reset() {
        seq = Long.MIN_VALUE;
        failures = 0;
    }
}
