package dev.byob.it.harness;

import java.time.Duration;

/**
 * A point in time after which waiting stops. Waiting for a server or for an event always has one,
 * so a broken setup fails with a message instead of hanging the build.
 */
public final class Deadline {
    private final long endNanos;
    private final Duration total;

    private Deadline(Duration total) {
        this.total = total;
        this.endNanos = System.nanoTime() + total.toNanos();
    }

    /** A deadline {@code timeout} from now. */
    public static Deadline after(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + timeout);
        }
        return new Deadline(timeout);
    }

    /** Time left, never negative. */
    public Duration remaining() {
        long left = endNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    /** Whether the deadline has passed. */
    public boolean expired() {
        return endNanos - System.nanoTime() <= 0;
    }

    /** The timeout this deadline was created with, for messages. */
    public Duration total() {
        return total;
    }

    /** Sleeps for {@code step} or the time left, whichever is shorter. */
    public void sleep(Duration step) {
        long millis = Math.min(step.toMillis(), remaining().toMillis());
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }

    @Override
    public String toString() {
        return "Deadline[" + total + ", " + remaining().toMillis() + " ms left]";
    }
}
