package dev.byob.protocol.message;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import java.util.Objects;
import java.util.Optional;

/** {@code org.matrix.msc3647.release}, visiting → hosting, signed: "I stop; step back in for this user". */
public record Release(TxnId txnId, UserId userId, Network network, long epoch, Optional<String> reason)
        implements ByobMessage {
    public Release {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(network, "network");
        Limits.range(epoch, 1, Limits.MAX_SAFE_INTEGER, "epoch");
        Objects.requireNonNull(reason, "reason");
        reason.ifPresent(r -> Limits.text(r, 0, Limits.MAX_REASON, "reason"));
    }

    @Override
    public MessageType type() {
        return MessageType.RELEASE;
    }
}
