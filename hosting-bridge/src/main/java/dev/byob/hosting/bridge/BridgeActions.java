package dev.byob.hosting.bridge;

import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;

/**
 * What the byob side asks of the bridge core, from the core thread: relay a message it held back (a
 * fill-in, or what an ended trust left pending), bring a user's presence on both sides in line with
 * {@link RelayGate} after trust changed (stepping aside or back in), and bridge or unbridge a room when a
 * room admin asks the bot in a DM.
 */
public interface BridgeActions {

    /**
     * Relay {@code user}'s Matrix event to the network, as if it had just arrived: through their puppet, or,
     * when {@link RelayGate#puppetWanted} is false (a fill-in), through a temporary puppet that stays until the
     * next {@link #refreshPresence} of the user.
     */
    void relayToRemoteNow(UserId user, Network network, RoomId room, EventId event);

    /** Show the IRC line with this {@code msgid} (kept by the core for a while) on Matrix through its ghost. */
    void relayToMatrixNow(Network network, RoomId room, String msgid);

    /**
     * Re-evaluate {@link RelayGate#puppetWanted} and {@link RelayGate#ghostWanted} for {@code user} and the
     * remote account trust links to them: quit or start the puppet, make the ghost leave or join, in every
     * bridged room of that network. Called when trust takes effect or ends, and when a fill-in stops (a temporary
     * puppet quits then).
     */
    void refreshPresence(UserId user, Network network, String remoteAccount);

    /**
     * A user's {@code bridge <room> <network> <channel>}: bridges the room (id or alias) to the channel if the
     * user may change the room's state and the bot may mark it bridged; the answer says what happened or why not.
     */
    String bridgeRoom(UserId sender, String room, String network, String channel);

    /** A user's {@code unbridge <room>}: ends a bridge made by command, under the same rule; the answer says how it went. */
    String unbridgeRoom(UserId sender, String room);
}
