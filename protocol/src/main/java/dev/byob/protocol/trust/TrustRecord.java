package dev.byob.protocol.trust;

import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.message.VisitingBridgeId;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A hosting bridge's record that a visiting bridge proved control of a user's Matrix and remote
 * accounts. One per {@link TrustKey}; a later successful handshake replaces it with {@code epoch + 1}.
 * An ended record stays, so that epochs never repeat and the ended VB can be told why.
 *
 * @param matrixProofMethod how the Matrix account was proven, e.g. {@code dm}
 * @param remoteProofMethod how the remote account was proven, e.g. {@code irc.account_privmsg}
 * @param txnId the handshake that established it
 * @param ended empty while the record is in force
 */
public record TrustRecord(
        TrustKey key,
        RemoteAccount remoteAccount,
        VisitingBridgeId vb,
        String matrixProofMethod,
        String remoteProofMethod,
        Instant establishedAt,
        long epoch,
        TxnId txnId,
        Optional<Ending> ended) {

    /** Why and when a record stopped being in force. */
    public record Ending(RevokeCode code, Instant at) {
        public Ending {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(at, "at");
        }
    }

    public TrustRecord {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(remoteAccount, "remoteAccount");
        Objects.requireNonNull(vb, "vb");
        Objects.requireNonNull(matrixProofMethod, "matrixProofMethod");
        Objects.requireNonNull(remoteProofMethod, "remoteProofMethod");
        Objects.requireNonNull(establishedAt, "establishedAt");
        if (epoch < 1) {
            throw new IllegalArgumentException("epochs start at 1");
        }
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(ended, "ended");
    }

    /** True while the hosting bridge steps aside for this user. */
    public boolean active() {
        return ended.isEmpty();
    }

    /** This record, ended now with {@code code}. */
    public TrustRecord end(RevokeCode code, Instant at) {
        return new TrustRecord(key, remoteAccount, vb, matrixProofMethod, remoteProofMethod, establishedAt,
                epoch, txnId, Optional.of(new Ending(code, at)));
    }
}
