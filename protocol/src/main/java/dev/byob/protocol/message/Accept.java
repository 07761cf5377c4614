package dev.byob.protocol.message;

import dev.byob.protocol.id.TxnId;
import java.util.Objects;

/**
 * {@code org.matrix.msc3647.accept}, hosting → visiting: trust is recorded at {@code epoch} and the
 * hosting bridge has stepped aside. The lease starts now.
 */
public record Accept(TxnId txnId, long epoch, long establishedAt, LeaseTerms lease) implements ByobMessage {

    /** How long a lease lasts and how often the visiting bridge should renew it. */
    public record LeaseTerms(long leaseMs, long heartbeatIntervalMs) {
        /** Validates the lease: 1 s to 24 h, with heartbeats more often than the lease lasts. */
        public LeaseTerms {
            Limits.range(leaseMs, 1_000, 86_400_000L, "lease_ms");
            Limits.range(heartbeatIntervalMs, 1_000, leaseMs - 1, "heartbeat_interval_ms");
        }
    }

    /** Validates: an epoch of at least 1 and a non-negative time. */
    public Accept {
        Objects.requireNonNull(txnId, "txnId");
        Limits.range(epoch, 1, Limits.MAX_SAFE_INTEGER, "epoch");
        Limits.timestamp(establishedAt, "established_at");
        Objects.requireNonNull(lease, "lease");
    }

    @Override
    public MessageType type() {
        return MessageType.ACCEPT;
    }
}
