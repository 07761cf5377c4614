package dev.byob.protocol.message;

import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code org.matrix.msc3647.challenge}, hosting → visiting: the nonces to make appear through the
 * user's two accounts, and the deadline.
 *
 * @param expiresAt milliseconds since the epoch after which the exchange is cancelled with {@code timeout}
 */
public record Challenge(TxnId txnId, MatrixChallenge matrixProof, RemoteChallenge remoteProof, long expiresAt)
        implements ByobMessage {

    /** What the user's Matrix account must do. {@code roomId} only for {@code room_event}: where to send it. */
    public record MatrixChallenge(String method, Nonce nonce, Optional<RoomId> roomId) {
        /** Requires every part; {@code roomId} is present exactly when the method is {@code room_event}. */
        public MatrixChallenge {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(nonce, "nonce");
            Objects.requireNonNull(roomId, "roomId");
            if (method.equals(ProofMethods.MATRIX_ROOM_EVENT) && roomId.isEmpty()) {
                throw new IllegalArgumentException("room_id is required for room_event");
            }
            if (!method.equals(ProofMethods.MATRIX_ROOM_EVENT) && ProofMethods.MATRIX_ALL.contains(method)
                    && roomId.isPresent()) {
                throw new IllegalArgumentException("room_id is only for room_event");
            }
        }
    }

    /** What the user's remote account must do; {@code target} is the HB's bot on the remote network. */
    public record RemoteChallenge(String method, Nonce nonce, String target) {
        /** Validates: a target of 1 to 255 characters. */
        public RemoteChallenge {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(nonce, "nonce");
            Objects.requireNonNull(target, "target");
            if (target.isEmpty() || target.length() > 255) {
                throw new IllegalArgumentException("a target is 1 to 255 characters");
            }
        }
    }

    /** Validates: a non-negative expiry. */
    public Challenge {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(matrixProof, "matrixProof");
        Objects.requireNonNull(remoteProof, "remoteProof");
        Limits.timestamp(expiresAt, "expires_at");
    }

    @Override
    public MessageType type() {
        return MessageType.CHALLENGE;
    }
}
