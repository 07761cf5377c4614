package dev.byob.hosting.byob;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What byob needs from Matrix, as the hosting bridge's bot. Called on the core thread: implementations
 * must not block it (queue the work, keeping the order of calls), and report failures in their logs; the
 * protocol recovers from a lost message by the peer's resend.
 */
public interface ByobTransport {

    /**
     * Sends an event in the canonical DM with a visiting bridge's bot (specification §3.1), with this
     * client transaction id, so that a resend is one event. Creates the DM (and invites {@code vbBot})
     * if there is none yet.
     */
    void sendToVisitingBridge(UserId vbBot, String eventType, ObjectNode content, String clientTxnId);

    /** Sends {@code text} as an {@code m.notice} to {@code user} in their DM with the bot, creating it if needed. */
    void notifyUser(UserId user, String text);

    /** Sends {@code text} as an {@code m.notice} in {@code room} (a reply to a command there). */
    void reply(RoomId room, String text);

    /** Joins {@code room}, a direct chat {@code inviter} invited the bot to, and remembers it as the DM with them. */
    void joinDirect(RoomId room, UserId inviter);

    /** {@code room} is a DM between the bot and {@code peer}: use it for that peer if no DM is known yet. */
    void directRoomSeen(RoomId room, UserId peer);

    /** {@code peer} left {@code room}: if it was the DM with them, forget it (a new one is made when needed). */
    void directRoomLeft(RoomId room, UserId peer);

    /**
     * Exchanges an OpenID token at {@code matrixServerName}'s {@code /_matrix/federation/v1/openid/userinfo};
     * completes with the token's subject ({@code sub}), empty when the server rejected the token, and
     * exceptionally when it could not be asked.
     */
    CompletionStage<Optional<UserId>> checkOpenId(String matrixServerName, String accessToken);
}
