package dev.byob.protocol.message;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import java.util.Objects;

/**
 * {@code org.matrix.msc3647.heartbeat}, visiting → hosting, signed: renew the lease for trust at
 * {@code epoch}. {@code seq} increases strictly within an epoch; {@code fillAck} is the highest
 * {@code fill_seq} the visiting bridge has durably recorded.
 */
public record Heartbeat(TxnId txnId, UserId userId, Network network, long epoch, long seq, long fillAck)
        implements ByobMessage {
    /** Validates: epoch and seq at least 1, fill_ack at least 0. */
    public Heartbeat {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(network, "network");
        Limits.range(epoch, 1, Limits.MAX_SAFE_INTEGER, "epoch");
        Limits.range(seq, 1, Limits.MAX_SAFE_INTEGER, "seq");
        Limits.range(fillAck, 0, Limits.MAX_SAFE_INTEGER, "fill_ack");
    }

    @Override
    public MessageType type() {
        return MessageType.HEARTBEAT;
    }
}
