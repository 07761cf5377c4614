package dev.byob.visiting.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The timing of the DMs with hosting bridge bots (spec §3.3): how long a bot has to join a DM this bridge created,
 * and the back-off before creating one again after a failure: {@code firstRetry}, doubling with each failure in a
 * row, at most {@code maxRetry}.
 *
 * @param joinTimeout how long the invited bot has to join
 * @param firstRetry the wait after the first failure
 * @param maxRetry the longest wait
 */
public record DmTimings(Duration joinTimeout, Duration firstRetry, Duration maxRetry) {
    /** The spec's recommendation: 10 minutes to join, then tries from 10 minutes apart to once a day. */
    public static final DmTimings DEFAULT = new DmTimings(Duration.ofMinutes(10), Duration.ofMinutes(10),
            Duration.ofDays(1));

    /** Checks that every duration is positive and the first retry no longer than the last. */
    public DmTimings {
        Objects.requireNonNull(joinTimeout, "joinTimeout");
        Objects.requireNonNull(firstRetry, "firstRetry");
        Objects.requireNonNull(maxRetry, "maxRetry");
        if (joinTimeout.isNegative() || joinTimeout.isZero() || firstRetry.isNegative() || firstRetry.isZero()
                || maxRetry.compareTo(firstRetry) < 0) {
            throw new IllegalArgumentException("the DM timings must be positive, the first retry at most the"
                    + " longest: " + joinTimeout + ", " + firstRetry + ", " + maxRetry);
        }
    }

    /** The wait after {@code failures} failures in a row (at least 1). */
    public Duration retryAfter(int failures) {
        Duration wait = firstRetry;
        for (int i = 1; i < failures && wait.compareTo(maxRetry) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxRetry) > 0 ? maxRetry : wait;
    }
}
