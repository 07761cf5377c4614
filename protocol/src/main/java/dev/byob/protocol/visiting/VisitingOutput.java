package dev.byob.protocol.visiting;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.RevokeCode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What a visiting bridge's transport must do after a transition, in order. */
public sealed interface VisitingOutput {

    /**
     * Send an event in the DM with {@code to}. Use {@code clientTxnId} as the client-server API
     * transaction id so that a resend after a crash is deduplicated by the homeserver.
     */
    record Send(UserId to, MessageType type, ObjectNode content, String clientTxnId) implements VisitingOutput {}

    /**
     * Make the Matrix-account proof as the user: send {@code content} as an {@code
     * org.matrix.msc3647.matrix_proof} event by {@code method} ({@code room} for {@code room_event}); for
     * {@code openid}, request an OpenID token instead. Then feed {@link VisitingInput.MatrixProofMade}.
     */
    record MakeMatrixProof(String method, UserId hbBot, Optional<RoomId> room, ObjectNode content)
            implements VisitingOutput {}

    /**
     * Make the remote-account proof: from the user's logged-in connection, send {@code text} to
     * {@code target}. Then feed {@link VisitingInput.RemoteProofMade}.
     */
    record MakeRemoteProof(String method, String target, String text) implements VisitingOutput {}

    /** Trust is granted: persist the receipt; start double-puppeting this user via this HB. */
    record TrustEstablished(TrustReceipt receipt) implements VisitingOutput {}

    /**
     * The lease is renewed until {@code until}; relaying may (re)start. Record {@code filledIn} durably
     * before the next input: those messages the hosting bridge relayed itself and must not be relayed
     * again. While {@code more}, further entries are on their way: hold the backlog until a renewal
     * without {@code more}.
     */
    record LeaseRenewed(Instant until, List<Lease.FillIn> filledIn, boolean more) implements VisitingOutput {}

    /** The lease ran out by this bridge's clock: stop relaying now; the hosting bridge fills in. */
    record LeaseLapsed() implements VisitingOutput {}

    /** Trust ended: stop bridging this user via this HB, forget the receipt, tell the user. */
    record TrustEnded(TrustReceipt receipt, RevokeCode code, String reason) implements VisitingOutput {}

    /** The handshake failed; tell the user why. */
    record HandshakeFailed(CancelCode code, String reason, boolean byPeer) implements VisitingOutput {}

    /** An input was ignored; for logs. */
    record Ignored(String reason) implements VisitingOutput {}
}
