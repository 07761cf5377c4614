package dev.byob.protocol.hosting;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Lease;
import java.util.OptionalLong;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.trust.TrustRecord;
import java.util.Optional;

/** What a hosting bridge's transport must do after an input, in order. */
public sealed interface HostingOutput {

    /** Send an event in the canonical DM with {@code to} (a visiting bridge's bot), with this client txn id. */
    record Send(UserId to, MessageType type, ObjectNode content, String clientTxnId) implements HostingOutput {}

    /** Check an OpenID token with its homeserver's userinfo endpoint; feed {@link HostingInput.OpenIdChecked}. */
    record VerifyOpenId(TxnId txnId, UserId expected, Answer.OpenIdToken token) implements HostingOutput {}

    /**
     * Trust is recorded (durably, in the trust store): stop relaying the user's Matrix messages to the
     * network and stop showing their remote account as a ghost, in every room of this bridge on that network.
     */
    record StepAside(TrustRecord record) implements HostingOutput {}

    /** Trust ended: restore exactly what there would be had the link never existed. */
    record StepBackIn(TrustRecord ended) implements HostingOutput {}

    /** The lease lapsed: relay what the visiting bridge has not, both ways, recording each relay as a fill-in. */
    record FillInStarted(TrustRecord record) implements HostingOutput {}

    /** The visiting bridge is back: stop filling in. */
    record FillInStopped(TrustRecord record) implements HostingOutput {}

    /**
     * Relay the user's message yourself, as for an unlinked user: to the remote network through the
     * user's relayed connection ({@code TO_REMOTE}), or to Matrix as the user's ghost ({@code TO_MATRIX}).
     * With a {@code fillSeq} it is a fill-in for an absent visiting bridge, already logged.
     */
    record Relay(UserId user, Network network, Lease.Direction direction, String messageId, RoomId room,
                 OptionalLong fillSeq) implements HostingOutput {}

    /** Tell the user, in a DM from the hosting bridge's bot, what happened to their bridging. */
    record NotifyUser(UserId user, String text) implements HostingOutput {}

    /** A message was refused; for logs and metrics (a cancel is sent where the protocol allows). */
    record Refused(UserId sender, Optional<TxnId> txnId, CancelCode code, String reason) implements HostingOutput {}

    /** An input was ignored; for logs. */
    record Ignored(String reason) implements HostingOutput {}
}
