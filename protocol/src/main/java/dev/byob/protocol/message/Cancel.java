package dev.byob.protocol.message;

import dev.byob.protocol.id.TxnId;
import java.util.Objects;

/** {@code org.matrix.msc3647.cancel}, either side: the exchange is over. Never answered. */
public record Cancel(TxnId txnId, CancelCode code, String reason) implements ByobMessage {
    /** Validates: a reason of at most 1024 characters. */
    public Cancel {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(code, "code");
        Limits.text(reason, 0, Limits.MAX_REASON, "reason");
    }

    @Override
    public MessageType type() {
        return MessageType.CANCEL;
    }
}
