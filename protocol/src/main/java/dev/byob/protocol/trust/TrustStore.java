package dev.byob.protocol.trust;

import dev.byob.protocol.message.RevokeCode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where a hosting bridge keeps trust records. Implementations must make {@link #establish} and
 * {@link #revoke} atomic and durable before returning: after a crash a record is either complete or
 * absent. The hosting bridge ships SQLite and PostgreSQL stores; {@link InMemoryTrustStore} is for
 * embedding and tests.
 */
public interface TrustStore {

    /** The latest record for {@code key}, in force or ended. */
    Optional<TrustRecord> find(TrustKey key);

    /**
     * The record of {@code epoch} for {@code key}, in force or ended, so that a visiting bridge still
     * speaking for an old epoch can be told how it ended.
     */
    Optional<TrustRecord> find(TrustKey key, long epoch);

    /**
     * Records {@code candidate} at the next epoch (one more than the latest record's, or 1), replacing
     * the record in force, if any.
     *
     * @return the new record, and the record it superseded (whose VB must be told)
     */
    Establishment establish(TrustCandidate candidate, Instant now);

    /**
     * Ends the record for {@code key} if it is in force at {@code epoch}.
     *
     * @return the ended record, or empty when no record at that epoch was in force
     */
    Optional<TrustRecord> revoke(TrustKey key, long epoch, RevokeCode code, Instant now);

    /** Every latest record, in force or ended, for listing by admins. */
    List<TrustRecord> all();

    /** The result of {@link #establish}. */
    record Establishment(TrustRecord record, Optional<TrustRecord> superseded) {}
}
