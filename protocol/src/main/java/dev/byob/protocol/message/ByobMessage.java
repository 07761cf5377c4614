package dev.byob.protocol.message;

import dev.byob.protocol.id.TxnId;

/**
 * A byob protocol message: the typed content of one {@code org.matrix.msc3647.*} event. Values are
 * immutable and validated on construction; {@link MessageCodec} turns them into event content and back.
 */
public sealed interface ByobMessage
        permits Request, Challenge, MatrixProof, Answer, Accept, Cancel, Heartbeat, Lease, Release, Revoked {

    /** The protocol version this implementation speaks and writes in every message. */
    int VERSION = 1;

    /** The message's transaction id. */
    TxnId txnId();

    /** The message's event type. */
    MessageType type();
}
