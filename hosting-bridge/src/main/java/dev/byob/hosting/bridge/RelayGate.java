package dev.byob.hosting.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.remote.irc.IrcMessage;

/**
 * The bridge core asks this, for every message and membership, whether the hosting bridge does its usual
 * job or stays aside because a visiting bridge double-puppets the user. The byob side implements it over
 * the protocol's {@code HostingEngine}; {@link #ALWAYS} is a bridge without byob. Called on the bridge's
 * single core thread, in event order; implementations must not block.
 */
public interface RelayGate {

    /** A bridge without byob: it relays everyone, always. */
    RelayGate ALWAYS = new RelayGate() {
        @Override
        public boolean relayToRemote(UserId sender, Network network, RoomId room, JsonNode event) {
            return true;
        }

        @Override
        public boolean relayToMatrix(Network network, String channel, RoomId room, IrcMessage line) {
            return true;
        }

        @Override
        public boolean puppetWanted(UserId user, Network network) {
            return true;
        }

        @Override
        public boolean ghostWanted(Network network, String nick, String account) {
            return true;
        }
    };

    /**
     * A Matrix user's message event (the whole event JSON, with {@code event_id}) in a room bridged to
     * {@code network}: relay it through the user's puppet now? False when their visiting bridge relays
     * it, or when it is itself a visiting bridge's relay of an IRC line.
     */
    boolean relayToRemote(UserId sender, Network network, RoomId room, JsonNode event);

    /**
     * A line in a bridged channel, with its tags ({@code account}, {@code msgid},
     * {@code +byob.dev/origin}): show it on Matrix through a ghost now? False when it comes from a
     * connection logged in to an account a visiting bridge double-puppets, or is a visiting bridge's
     * relay of a Matrix event.
     */
    boolean relayToMatrix(Network network, String channel, RoomId room, IrcMessage line);

    /**
     * As {@link #relayToMatrix(Network, String, RoomId, IrcMessage)}, with the id the core keeps the line by:
     * its {@code msgid}, or one of the core's own when the network gave none (for a later
     * {@link BridgeActions#relayToMatrixNow}).
     */
    default boolean relayToMatrix(Network network, String channel, RoomId room, IrcMessage line, String messageId) {
        return relayToMatrix(network, channel, room, line);
    }

    /** Whether {@code user}'s relayed connection ({@code alice[m]}) should be on the network at all. */
    boolean puppetWanted(UserId user, Network network);

    /** Whether the IRC user {@code nick}, logged in to {@code account} (null if not), should appear as a ghost. */
    boolean ghostWanted(Network network, String nick, String account);
}
