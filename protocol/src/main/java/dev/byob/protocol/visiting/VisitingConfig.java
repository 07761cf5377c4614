package dev.byob.protocol.visiting;

import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Request;
import dev.byob.protocol.message.VisitingBridgeId;
import dev.byob.protocol.trust.TrustKey;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a visiting bridge brings to one hosting bridge for one user on one network.
 *
 * @param vbBot the account that speaks for the VB in the DM (its bot, or the user's own account)
 * @param replyTimeout how long to wait for a reply before resending with the same txn_id
 * @param maxAttempts sends of one message before giving up with {@code timeout}
 */
public record VisitingConfig(
        TrustKey key,
        RemoteAccount remoteAccount,
        UserId vbBot,
        SigningKey signingKey,
        List<String> matrixProofMethods,
        List<String> remoteProofMethods,
        Duration replyTimeout,
        int maxAttempts) {

    /** Default wait for a reply. */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(60);
    /** Default number of sends of one message: the first and three resends. */
    public static final int DEFAULT_MAX_ATTEMPTS = 4;

    public VisitingConfig {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(remoteAccount, "remoteAccount");
        Objects.requireNonNull(vbBot, "vbBot");
        Objects.requireNonNull(signingKey, "signingKey");
        matrixProofMethods = List.copyOf(matrixProofMethods);
        remoteProofMethods = List.copyOf(remoteProofMethods);
        Objects.requireNonNull(replyTimeout, "replyTimeout");
        if (replyTimeout.isNegative() || replyTimeout.isZero()) {
            throw new IllegalArgumentException("replyTimeout must be positive");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** A config with the default timeout and attempts. */
    public static VisitingConfig of(TrustKey key, RemoteAccount remoteAccount, UserId vbBot, SigningKey signingKey,
                                    List<String> matrixProofMethods, List<String> remoteProofMethods) {
        return new VisitingConfig(key, remoteAccount, vbBot, signingKey, matrixProofMethods, remoteProofMethods,
                DEFAULT_REPLY_TIMEOUT, DEFAULT_MAX_ATTEMPTS);
    }

    /** Who this VB is on the wire. */
    public VisitingBridgeId identity() {
        return new VisitingBridgeId(vbBot, signingKey.verifyKey());
    }

    Request request(dev.byob.protocol.id.TxnId txnId) {
        return new Request(txnId, key.hbBot(), key.userId(), key.network(), remoteAccount, identity(),
                matrixProofMethods, remoteProofMethods);
    }
}
