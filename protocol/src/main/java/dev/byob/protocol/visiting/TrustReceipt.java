package dev.byob.protocol.visiting;

import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.trust.TrustKey;
import java.time.Instant;
import java.util.Objects;

/**
 * A visiting bridge's record of trust a hosting bridge granted it: what it persists so that after a
 * restart it resumes with heartbeats, without a new handshake.
 */
public record TrustReceipt(TrustKey key, long epoch, Instant establishedAt, Accept.LeaseTerms lease, TxnId txnId) {
    public TrustReceipt {
        Objects.requireNonNull(key, "key");
        if (epoch < 1) {
            throw new IllegalArgumentException("epochs start at 1");
        }
        Objects.requireNonNull(establishedAt, "establishedAt");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(txnId, "txnId");
    }
}
