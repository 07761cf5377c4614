package dev.byob.protocol.visiting;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Challenge;
import dev.byob.protocol.message.Request;
import dev.byob.protocol.message.RevokeCode;
import java.time.Instant;
import java.util.Optional;

/** The states of a visiting bridge's relation with one hosting bridge for one user and network. */
public sealed interface VisitingState {

    /** Nothing under way. */
    record Idle() implements VisitingState {}

    /** The request is sent; waiting for the challenge. {@code attempts} counts sends of the same content. */
    record Requested(Request request, ObjectNode content, Instant lastSent, int attempts) implements VisitingState {}

    /**
     * The challenge arrived; the two proofs are being made by the transport. {@code deadline} is the
     * challenge's expiry on this bridge's clock.
     */
    record Proving(Request request, Challenge challenge, Instant deadline,
                   Optional<Answer.MatrixEvidence> matrixEvidence, boolean remoteDone) implements VisitingState {}

    /** The answer is sent; waiting for accept. The lease, once granted, counts from {@code firstSent}. */
    record Answered(Request request, Challenge challenge, Instant deadline, ObjectNode content, Instant firstSent,
                    Instant lastSent, int attempts) implements VisitingState {}

    /**
     * Trust is granted. While {@code lapsed} the VB must not relay: its lease ran out by its own clock.
     *
     * @param pending the heartbeat awaiting its lease reply, if any
     */
    record Trusted(TrustReceipt receipt, Instant leaseUntil, boolean lapsed, Instant nextHeartbeatAt, long nextSeq,
                   long fillAck, Optional<PendingHeartbeat> pending) implements VisitingState {}

    /** A heartbeat sent and not yet answered. */
    record PendingHeartbeat(TxnId txnId, long seq, Instant sentAt) {}

    /** Logging out: the release is sent; waiting for {@code revoked}. */
    record Releasing(TrustReceipt receipt, ObjectNode content, Instant lastSent, int attempts) implements VisitingState {}

    /** Trust ended: released, superseded by another VB, or revoked by the user. Terminal. */
    record Ended(TrustReceipt receipt, RevokeCode code, String reason) implements VisitingState {}

    /** The handshake failed; {@code byPeer} when the hosting bridge cancelled it. Terminal. */
    record Failed(CancelCode code, String reason, boolean byPeer) implements VisitingState {}
}
