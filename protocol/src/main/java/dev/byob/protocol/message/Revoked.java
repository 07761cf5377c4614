package dev.byob.protocol.message;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import java.util.Objects;

/**
 * {@code org.matrix.msc3647.revoked}, hosting → visiting: trust at {@code epoch} has ended and the
 * hosting bridge has stepped back in. Later messages for that epoch are answered with this again.
 */
public record Revoked(TxnId txnId, UserId userId, Network network, long epoch, RevokeCode code, String reason)
        implements ByobMessage {
    public Revoked {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(network, "network");
        Limits.range(epoch, 1, Limits.MAX_SAFE_INTEGER, "epoch");
        Objects.requireNonNull(code, "code");
        Limits.text(reason, 0, Limits.MAX_REASON, "reason");
    }

    @Override
    public MessageType type() {
        return MessageType.REVOKED;
    }
}
