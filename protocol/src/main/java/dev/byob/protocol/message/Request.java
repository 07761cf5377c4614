package dev.byob.protocol.message;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * {@code org.matrix.msc3647.request}, visiting → hosting, signed: "step aside for this user on this
 * network; here is who I am and which proofs I can make". Self-signed by {@code vb.key()}.
 *
 * @param hbBot the hosting bridge bot the request is for, so it cannot be replayed to another
 * @param matrixProofMethods the Matrix proofs the VB can make, in preference order (unknown names kept)
 * @param remoteProofMethods the remote proofs the VB can make, in preference order
 */
public record Request(
        TxnId txnId,
        UserId hbBot,
        UserId userId,
        Network network,
        RemoteAccount remoteAccount,
        VisitingBridgeId vb,
        List<String> matrixProofMethods,
        List<String> remoteProofMethods) implements ByobMessage {

    /** Validates: 1 to 8 unique non-empty method names on each side. */
    public Request {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(hbBot, "hbBot");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(remoteAccount, "remoteAccount");
        Objects.requireNonNull(vb, "vb");
        matrixProofMethods = methods(matrixProofMethods, "matrix_proof_methods");
        remoteProofMethods = methods(remoteProofMethods, "remote_proof_methods");
    }

    static List<String> methods(List<String> methods, String field) {
        List<String> copy = List.copyOf(methods);
        if (copy.isEmpty() || copy.size() > 8) {
            throw new IllegalArgumentException(field + " has 1 to 8 entries");
        }
        if (new HashSet<>(copy).size() != copy.size()) {
            throw new IllegalArgumentException(field + " has no duplicates");
        }
        for (String m : copy) {
            if (m.isEmpty() || m.length() > 64) {
                throw new IllegalArgumentException(field + " entries are 1 to 64 characters");
            }
        }
        return copy;
    }

    @Override
    public MessageType type() {
        return MessageType.REQUEST;
    }
}
