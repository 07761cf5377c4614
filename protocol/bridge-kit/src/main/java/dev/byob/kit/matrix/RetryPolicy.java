package dev.byob.kit.matrix;

import dev.byob.kit.irc.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When {@link MatrixClient} tries a failed request again, and how long it waits first. Immutable and
 * thread-safe; change it with the {@code with...} copies.
 *
 * <p>A failure is retried, while attempts remain, when:
 * <ul>
 *   <li>the homeserver refused with {@code M_LIMIT_EXCEEDED} or HTTP 429: any request, since the
 *       homeserver did not act on it. The wait is the homeserver's {@code Retry-After} or
 *       {@code retry_after_ms}; a wait longer than {@link #maxRetryAfter()} is not sat out, the
 *       exception goes to the caller instead;</li>
 *   <li>the connection could not be made, so the request never left: any request;</li>
 *   <li>the homeserver answered 5xx, or the connection broke or timed out after the request may have
 *       been sent: <em>idempotent requests only</em> (GET, PUT, and a few POSTs documented as such on
 *       {@link MatrixClient}). A send is a PUT with a transaction id, so its retry carries the same id
 *       and the homeserver answers it with the event it already made. A POST such as
 *       {@code createRoom} is never repeated after such an ambiguous failure.</li>
 * </ul>
 * Other waits follow exponential {@link Backoff} with jitter drawn from the injected random source.
 * Calls cancelled by {@link MatrixClient#close()} are never retried.
 */
public final class RetryPolicy {

    /** Waits between attempts; injected so tests drive time by hand. */
    @FunctionalInterface
    public interface Sleeper {
        /** Blocks for {@code duration}. */
        void sleep(Duration duration) throws InterruptedException;

        /** {@link Thread#sleep}. */
        static Sleeper system() {
            return duration -> Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
        }
    }

    private static final RetryPolicy DEFAULTS = new RetryPolicy(5,
            new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.5), Duration.ofMinutes(1),
            () -> ThreadLocalRandom.current().nextDouble(), Sleeper.system());

    private final int maxAttempts;
    private final Backoff backoff;
    private final Duration maxRetryAfter;
    private final DoubleSupplier random;
    private final Sleeper sleeper;

    private RetryPolicy(int maxAttempts, Backoff backoff, Duration maxRetryAfter, DoubleSupplier random,
                        Sleeper sleeper) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.maxAttempts = maxAttempts;
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.maxRetryAfter = Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        if (maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("maxRetryAfter must not be negative, was " + maxRetryAfter);
        }
        this.random = Objects.requireNonNull(random, "random");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
    }

    /**
     * 5 attempts; backoff from 500 ms doubling up to 30 s, up to half taken off at random; a homeserver's
     * wait honoured up to 1 minute; real sleeping.
     */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /** One attempt: every failure goes straight to the caller. */
    public static RetryPolicy none() {
        return DEFAULTS.withMaxAttempts(1);
    }

    /** This policy with at most {@code maxAttempts} attempts in all (1: no retries). */
    public RetryPolicy withMaxAttempts(int maxAttempts) {
        return new RetryPolicy(maxAttempts, backoff, maxRetryAfter, random, sleeper);
    }

    /** This policy waiting {@code backoff} between attempts when the homeserver named no wait. */
    public RetryPolicy withBackoff(Backoff backoff) {
        return new RetryPolicy(maxAttempts, backoff, maxRetryAfter, random, sleeper);
    }

    /** This policy sitting out a homeserver's requested wait only up to {@code maxRetryAfter}. */
    public RetryPolicy withMaxRetryAfter(Duration maxRetryAfter) {
        return new RetryPolicy(maxAttempts, backoff, maxRetryAfter, random, sleeper);
    }

    /** This policy drawing jitter from {@code random}, which returns values in [0, 1). */
    public RetryPolicy withRandom(DoubleSupplier random) {
        return new RetryPolicy(maxAttempts, backoff, maxRetryAfter, random, sleeper);
    }

    /** This policy waiting with {@code sleeper}. */
    public RetryPolicy withSleeper(Sleeper sleeper) {
        return new RetryPolicy(maxAttempts, backoff, maxRetryAfter, random, sleeper);
    }

    /** The most attempts, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The backoff used when the homeserver named no wait. */
    public Backoff backoff() {
        return backoff;
    }

    /** The longest homeserver-requested wait that is sat out. */
    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    /**
     * How long to wait before attempt {@code attempt + 1}, or empty to give up and throw {@code failure}.
     *
     * @param attempt the attempt that failed, from 1
     * @param failure how it failed
     * @param idempotent whether repeating the request is harmless even if the homeserver acted on it
     */
    public Optional<Duration> delayBeforeRetry(int attempt, MatrixRequestException failure, boolean idempotent) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1, was " + attempt);
        }
        if (attempt >= maxAttempts) {
            return Optional.empty();
        }
        if (failure instanceof MatrixNetworkException network) {
            if (network.cancelled() || (network.mayHaveReachedServer() && !idempotent)) {
                return Optional.empty();
            }
            return Optional.of(backoff(attempt));
        }
        MatrixException refused = (MatrixException) failure;
        if (refused.isRateLimited()) {
            Optional<Duration> asked = refused.retryAfter();
            if (asked.isPresent()) {
                return asked.get().compareTo(maxRetryAfter) <= 0 ? asked : Optional.empty();
            }
            return Optional.of(backoff(attempt));
        }
        if (refused.status() >= 500 && idempotent) {
            Optional<Duration> asked = refused.retryAfter();
            if (asked.isPresent() && asked.get().compareTo(maxRetryAfter) > 0) {
                return Optional.empty();
            }
            return Optional.of(asked.orElseGet(() -> backoff(attempt)));
        }
        return Optional.empty();
    }

    private Duration backoff(int attempt) {
        double r = random.getAsDouble();
        if (!(r >= 0.0 && r < 1.0)) {
            throw new IllegalStateException("the random source returned " + r + ", outside [0, 1)");
        }
        return backoff.delay(attempt, r);
    }

    /** Waits {@code delay} with the injected sleeper. */
    void sleep(Duration delay) throws InterruptedException {
        sleeper.sleep(delay);
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", backoff=" + backoff + ", maxRetryAfter="
                + maxRetryAfter + "]";
    }
}
