package dev.byob.kit.matrix;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes transaction ids for sends whose callers have none of their own:
 * {@code byob.<epoch millis>.<counter>}. Unique within one instance; across restarts the clock keeps
 * them apart. A caller that retries a send itself, e.g. after a restart, must store and reuse its own
 * id instead. Thread-safe.
 */
public final class TxnIds {
    private final Clock clock;
    private final AtomicLong counter = new AtomicLong();

    /** Ids stamped with {@code clock}'s time. */
    public TxnIds(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Ids stamped with the system clock. */
    public static TxnIds systemClock() {
        return new TxnIds(Clock.systemUTC());
    }

    /** A fresh id. */
    public String next() {
        return "byob." + clock.millis() + "." + counter.incrementAndGet();
    }
}
