package dev.byob.kit.irc;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;

/**
 * Exponential backoff with jitter for reconnecting: attempt {@code n} (from 1) waits
 * {@code min(max, initial * multiplier^(n-1))}, shortened by a random fraction of up to
 * {@code jitter} of itself so that many connections dropped together (a netsplit, a bridge restart)
 * do not all return at the same moment.
 *
 * @param initial the delay before the first reconnect
 * @param max the longest delay
 * @param multiplier how much longer each further attempt waits, at least 1
 * @param jitter the largest fraction taken off at random, from 0 (none) to 1
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {

    /** Validates. */
    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + " and " + max);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be at least 1, was " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter must be within [0, 1], was " + jitter);
        }
    }

    /** 2 s, doubling, at most 5 minutes, up to half taken off at random. */
    public static Backoff defaults() {
        return new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), 2.0, 0.5);
    }

    /** The delay before attempt {@code attempt} (from 1), with {@code random} in [0, 1) choosing the jitter. */
    public Duration delay(int attempt, double random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts count from 1, was " + attempt);
        }
        if (!(random >= 0.0 && random < 1.0)) {
            throw new IllegalArgumentException("random must be within [0, 1), was " + random);
        }
        double nanos = initial.toNanos() * Math.pow(multiplier, attempt - 1);
        double capped = Math.min(nanos, (double) max.toNanos());
        return Duration.ofNanos((long) (capped * (1.0 - jitter * random)));
    }

    /** The delay before attempt {@code attempt} (from 1), jittered by {@code random}. */
    public Duration delay(int attempt, Random random) {
        return delay(attempt, random.nextDouble());
    }
}
