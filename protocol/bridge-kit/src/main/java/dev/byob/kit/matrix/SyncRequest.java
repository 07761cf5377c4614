package dev.byob.kit.matrix;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code /sync} call. Start with {@link #initial()} and continue with {@link #since(String)} and the
 * previous answer's {@code next_batch}.
 *
 * @param filter a filter id, or an inline filter as JSON text
 * @param since the {@code next_batch} of the previous sync; empty for an initial sync
 * @param timeout how long the homeserver may hold the call open waiting for events (0: answer at once)
 * @param fullState whether to send the full state of every room even when {@code since} is set
 */
public record SyncRequest(Optional<String> filter, Optional<String> since, Duration timeout, boolean fullState) {

    /** Checks the parts. */
    public SyncRequest {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
    }

    /** An initial sync that answers at once, without a filter. */
    public static SyncRequest initial() {
        return new SyncRequest(Optional.empty(), Optional.empty(), Duration.ZERO, false);
    }

    /** This request continuing from {@code nextBatch}. */
    public SyncRequest since(String nextBatch) {
        return new SyncRequest(filter, Optional.of(nextBatch), timeout, fullState);
    }

    /** This request with a filter id or inline JSON filter. */
    public SyncRequest withFilter(String filter) {
        return new SyncRequest(Optional.of(filter), since, timeout, fullState);
    }

    /** This request long-polling for up to {@code timeout}. */
    public SyncRequest withTimeout(Duration timeout) {
        return new SyncRequest(filter, since, timeout, fullState);
    }

    /** This request with {@code full_state}. */
    public SyncRequest withFullState(boolean fullState) {
        return new SyncRequest(filter, since, timeout, fullState);
    }
}
