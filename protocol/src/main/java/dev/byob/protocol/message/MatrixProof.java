package dev.byob.protocol.message;

import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import java.util.Objects;

/**
 * {@code org.matrix.msc3647.matrix_proof}, sent by the user's own Matrix account (in a DM with the HB
 * bot, as a to-device message, or in the bridged room): the homeserver vouches for its sender.
 */
public record MatrixProof(TxnId txnId, UserId hbBot, Nonce nonce) implements ByobMessage {
    public MatrixProof {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(hbBot, "hbBot");
        Objects.requireNonNull(nonce, "nonce");
    }

    @Override
    public MessageType type() {
        return MessageType.MATRIX_PROOF;
    }
}
