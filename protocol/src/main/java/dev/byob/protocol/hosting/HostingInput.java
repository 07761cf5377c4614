package dev.byob.protocol.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Lease;
import java.util.Objects;
import java.util.Optional;

/** What can happen to a hosting bridge, as far as byob is concerned. */
public sealed interface HostingInput {

    /**
     * An event in a room the hosting bridge's bot is in. {@code direct} is true when the room is a DM:
     * exactly the bot and {@code sender} are joined or invited. Protocol messages elsewhere are refused.
     */
    record RoomMessage(RoomId room, boolean direct, UserId sender, String eventType, JsonNode content)
            implements HostingInput {}

    /**
     * An {@code org.matrix.msc3647.matrix_proof} event the hosting bridge saw. {@code method} says how it
     * arrived: {@code dm} (in a DM between the sender and the bot: set {@code directWithBot}),
     * {@code to_device} (no room), or {@code room_event} (in a room this bridge bridges: set
     * {@code bridgedRoom}).
     */
    record MatrixProofSeen(String method, UserId sender, Optional<RoomId> room, Optional<EventId> eventId,
                           boolean directWithBot, boolean bridgedRoom, JsonNode content) implements HostingInput {}

    /** The result of checking an OpenID token ({@link HostingOutput.VerifyOpenId}): the token's subject, if valid. */
    record OpenIdChecked(TxnId txnId, UserId expected, Optional<UserId> subject, String detail) implements HostingInput {}

    /**
     * A private message to the hosting bridge's bot on a remote network. {@code account} is the account
     * the network reports for the sender (IRC: the {@code account} tag, or WHOIS 330), empty when the
     * sender is not logged in.
     */
    record RemoteMessageSeen(Network network, String senderName, Optional<String> account, String text)
            implements HostingInput {}

    /** The user, from their own Matrix account, asks the hosting bridge to take over again. */
    record UserRevoke(UserId user, Optional<Network> network) implements HostingInput {}

    /** The hosting bridge's operator ends the trust for {@code user} (on {@code network}, or every network). */
    record OperatorRevoke(UserId user, Optional<Network> network) implements HostingInput {}

    /**
     * The user's own message, observed by the hosting bridge: an event the user sent in a bridged room
     * ({@code TO_REMOTE}, {@code messageId} its event id) or a line from a connection logged in to the
     * user's remote account ({@code TO_MATRIX}, {@code messageId} the network's message id; see
     * {@link HostingEngine#trustedByAccount}). The engine answers with a {@link HostingOutput.Relay} when
     * the hosting bridge is to relay it, now or later.
     */
    record UserMessageSeen(UserId user, Network network, Lease.Direction direction, String messageId, RoomId room)
            implements HostingInput {
        /** Validates: a {@code TO_REMOTE} message is named by its event id. */
        public UserMessageSeen {
            if (direction == Lease.Direction.TO_REMOTE) {
                EventId.parse(messageId);
            }
        }
    }

    /**
     * A message of the user that carries no relay mark, on a network where marks cannot be used (no
     * {@code message-tags}, spec §12.6): an event the user sent in a bridged room ({@code TO_REMOTE}), or a line
     * from a connection logged in to their remote account ({@code TO_MATRIX}). The engine takes it as the relay
     * of the oldest pending message of the other direction in {@code room} whose {@code text} is the same,
     * observed at most {@link HostingEngine#MATCH_WINDOW} before, and otherwise as the user's own message, as
     * {@link UserMessageSeen} would.
     *
     * @param messageId the event id ({@code TO_REMOTE}), or the line's {@code msgid}, or, when the network gave
     *     none, an id of the embedder's own by which it can relay the line later
     * @param text the event's first line of plain text, or the line's text, as the bridge maps messages
     * @param networkMessageId whether {@code messageId} is the network's (false for an embedder's own id)
     */
    record UnmarkedMessageSeen(UserId user, Network network, Lease.Direction direction, String messageId, RoomId room,
                               String text, boolean networkMessageId) implements HostingInput {
        /** Validates: a {@code TO_REMOTE} message is named by its event id; fields present. */
        public UnmarkedMessageSeen {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(text, "text");
            if (direction == Lease.Direction.TO_REMOTE) {
                EventId.parse(messageId);
            }
        }
    }

    /**
     * A relay of a user's message, observed: an IRC line tagged {@code +byob.dev/origin=<event id>}
     * ({@code TO_REMOTE}), or a Matrix event whose {@code org.matrix.msc3647.source} names an IRC message
     * id ({@code TO_MATRIX}).
     *
     * <p>{@code relayedBy} is who sent the relay: for {@code TO_REMOTE} the services account the line's
     * connection is logged in to, as the network reported it; for {@code TO_MATRIX} the Matrix user id of
     * the event's sender. Only a relay by the user's own account counts (spec §12.1): anyone can put a tag
     * or a field on a message, and a relay from someone else must not stop a message from being filled in.
     */
    record RelaySeen(Network network, Lease.Direction direction, String messageId, String relayedBy)
            implements HostingInput {
        /** Validates: {@code relayedBy} is present, and a Matrix user id for {@code TO_MATRIX}. */
        public RelaySeen {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(direction, "direction");
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(relayedBy, "relayedBy");
            if (relayedBy.isEmpty()) {
                throw new IllegalArgumentException("relayedBy must name the relay's sender");
            }
            if (direction == Lease.Direction.TO_MATRIX) {
                UserId.parse(relayedBy);
            }
        }
    }

    /** Time passed: challenge expiry and lease lapses are decided here. */
    record Tick() implements HostingInput {}
}
