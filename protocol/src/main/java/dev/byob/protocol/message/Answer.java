package dev.byob.protocol.message;

import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code org.matrix.msc3647.answer}, visiting → hosting, signed: "both proofs are made". It repeats
 * the request's subject and binds both nonces (by hash) to the signing key, so proofs made by two
 * different parties cannot be spliced into one trust record.
 */
public record Answer(
        TxnId txnId,
        UserId hbBot,
        UserId userId,
        Network network,
        RemoteAccount remoteAccount,
        MatrixEvidence matrixProof,
        RemoteEvidence remoteProof,
        String matrixNonceSha256,
        String remoteNonceSha256) implements ByobMessage {

    /** Where the Matrix proof was made; {@code openid} only for the {@code openid} method. */
    public record MatrixEvidence(String method, Optional<EventId> eventId, Optional<RoomId> roomId,
                                 Optional<OpenIdToken> openid) {
        /** Requires what the method needs: dm the event and room, room_event the event, openid the token. */
        public MatrixEvidence {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(eventId, "eventId");
            Objects.requireNonNull(roomId, "roomId");
            Objects.requireNonNull(openid, "openid");
            String missing = missingFor(method, eventId.isPresent(), roomId.isPresent(), openid.isPresent());
            if (missing != null) {
                throw new IllegalArgumentException(missing + " is required for " + method);
            }
        }

        /** The first field the method needs that is absent, or null: dm needs the proof event and its room,
         *  room_event the event, openid the token; other methods nothing. */
        static String missingFor(String method, boolean eventId, boolean roomId, boolean openid) {
            switch (method) {
                case ProofMethods.MATRIX_DM:
                    return !eventId ? "event_id" : !roomId ? "room_id" : null;
                case ProofMethods.MATRIX_ROOM_EVENT:
                    return !eventId ? "event_id" : null;
                case ProofMethods.MATRIX_OPENID:
                    return !openid ? "openid" : null;
                default:
                    return null;
            }
        }
    }

    /** An OpenID token of the user's, to be checked with {@code matrixServerName}'s userinfo endpoint. */
    public record OpenIdToken(String accessToken, String matrixServerName) {
        /** Validates: a token of 1 to 1024 characters and a server name of 1 to 255. */
        public OpenIdToken {
            Limits.text(accessToken, 1, 1024, "access_token");
            Limits.text(matrixServerName, 1, 255, "matrix_server_name");
        }

        @Override
        public String toString() {
            return "OpenIdToken[server=" + matrixServerName + ", token=redacted]";
        }
    }

    /** The remote proof's method. */
    public record RemoteEvidence(String method) {
        /** Requires a method name. */
        public RemoteEvidence {
            Objects.requireNonNull(method, "method");
        }
    }

    /** Validates the nonce hashes: unpadded base64 of 32 bytes. */
    public Answer {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(hbBot, "hbBot");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(remoteAccount, "remoteAccount");
        Objects.requireNonNull(matrixProof, "matrixProof");
        Objects.requireNonNull(remoteProof, "remoteProof");
        Limits.sha256(matrixNonceSha256, "matrix_nonce_sha256");
        Limits.sha256(remoteNonceSha256, "remote_nonce_sha256");
    }

    @Override
    public MessageType type() {
        return MessageType.ANSWER;
    }
}
