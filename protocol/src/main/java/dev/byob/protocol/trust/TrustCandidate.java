package dev.byob.protocol.trust;

import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.message.VisitingBridgeId;
import java.util.Objects;

/** A completed handshake waiting to become a {@link TrustRecord}: everything but the epoch and time. */
public record TrustCandidate(
        TrustKey key,
        RemoteAccount remoteAccount,
        VisitingBridgeId vb,
        String matrixProofMethod,
        String remoteProofMethod,
        TxnId txnId) {
    public TrustCandidate {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(remoteAccount, "remoteAccount");
        Objects.requireNonNull(vb, "vb");
        Objects.requireNonNull(matrixProofMethod, "matrixProofMethod");
        Objects.requireNonNull(remoteProofMethod, "remoteProofMethod");
        Objects.requireNonNull(txnId, "txnId");
    }
}
