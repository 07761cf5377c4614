package dev.byob.cli.simulate;

import java.time.Duration;
import java.time.Instant;

/** Simulated time: it moves only when the simulation says so, so a run takes no real time and repeats. */
final class VirtualClock {
    private final Instant start;
    private Instant now;

    VirtualClock(Instant start) {
        this.start = start;
        this.now = start;
    }

    Instant now() {
        return now;
    }

    void advanceTo(Instant t) {
        if (t.isAfter(now)) {
            now = t;
        }
    }

    /** Time since the start of the run. */
    Duration elapsed() {
        return Duration.between(start, now);
    }

    Duration elapsed(Instant t) {
        return Duration.between(start, t);
    }
}
