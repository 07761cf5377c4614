package dev.byob.hosting.store;

import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The appservice transactions the bridge has handled (table {@code appservice_transaction}), so that a
 * transaction the homeserver sends again — its reply was lost, or the bridge crashed before replying —
 * changes nothing, even after a restart.
 *
 * <p>Mark a transaction in the same database transaction as the effects of its events, so that either
 * both are stored or neither is, and skip the events when it was marked before:
 *
 * <pre>{@code
 * boolean fresh = database.transaction(c -> {
 *     if (!processed.markProcessed(txnId)) {
 *         return false;                // a resend: answer 200 and do nothing
 *     }
 *     ... feed the events to the engine; its stores join this transaction ...
 *     return true;
 * });
 * }</pre>
 *
 * A failure rolls the mark back with the effects, so the homeserver's retry is processed afresh.
 */
public final class ProcessedTransactions {
    /** How long ids are kept by default: far longer than a homeserver retries an unanswered transaction. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

    private final Database database;
    private final Clock clock;

    /** The transactions recorded in {@code database}; {@code clock} dates them, for {@link #prune}. */
    public ProcessedTransactions(Database database, Clock clock) {
        this.database = Objects.requireNonNull(database, "database");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records that transaction {@code txnId} is handled, joining the enclosing database transaction.
     *
     * @return true the first time; false when it was recorded before, and its events must be skipped
     */
    public boolean markProcessed(String txnId) {
        Objects.requireNonNull(txnId, "txnId");
        if (txnId.isEmpty()) {
            throw new IllegalArgumentException("an appservice transaction id is not empty");
        }
        long now = clock.millis();
        return database.transaction(c -> {
            PreparedStatement s = database.prepared(c, "INSERT INTO appservice_transaction (txn_id, processed_at)"
                    + " VALUES (?, ?) ON CONFLICT (txn_id) DO NOTHING");
            s.setString(1, txnId);
            s.setLong(2, now);
            return s.executeUpdate() == 1;
        });
    }

    /**
     * Forgets transactions handled more than {@code maxAge} ago.
     *
     * @return how many were forgotten
     */
    public int prune(Duration maxAge) {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("maxAge is not negative");
        }
        long cutoff = clock.millis() - maxAge.toMillis();
        return database.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM appservice_transaction WHERE processed_at < ?")) {
                s.setLong(1, cutoff);
                return s.executeUpdate();
            }
        });
    }
}
