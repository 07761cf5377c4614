package dev.byob.protocol.visiting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.CancelCode;
import java.time.Instant;
import java.util.Optional;

/** What can happen to a visiting bridge's relation with a hosting bridge. */
public sealed interface VisitingInput {

    /**
     * Begin a handshake (from Idle, or again after it ended or failed: a new login). After trust ended
     * as {@code superseded} or {@code user_revoked}, only the user may ask for this, never the bridge on
     * its own: the user chose another bridge, or to be relayed.
     */
    record Start() implements VisitingInput {}

    /**
     * An event arrived in the DM with the hosting bridge's bot. {@code originServerTs} is the event's
     * {@code origin_server_ts}: with it, a challenge's expiry is converted to this bridge's own clock.
     */
    record Received(UserId sender, String eventType, JsonNode content, Optional<Instant> originServerTs)
            implements VisitingInput {
        /** An event whose {@code origin_server_ts} is not known. */
        public Received(UserId sender, String eventType, JsonNode content) {
            this(sender, eventType, content, Optional.empty());
        }
    }

    /** The transport made the Matrix-account proof the challenge asked for. */
    record MatrixProofMade(Answer.MatrixEvidence evidence) implements VisitingInput {}

    /** The transport sent the remote-account proof. */
    record RemoteProofMade() implements VisitingInput {}

    /** The transport could not make a proof; {@code matrix} tells which. */
    record ProofFailed(boolean matrix, String reason) implements VisitingInput {}

    /** Time passed: resends, timeouts, heartbeats and lease expiry are decided here. */
    record Tick() implements VisitingInput {}

    /** The user logs out: ask the hosting bridge to step back in. */
    record Logout(String reason) implements VisitingInput {}

    /**
     * Refuse the exchange under way: cancel it with {@code code} (for example {@code invalid_message} for a
     * challenge naming a remote-proof target pinned to another hosting bridge, §2.3). Ignored when no exchange is
     * under way.
     */
    record Refuse(CancelCode code, String reason) implements VisitingInput {}
}
