package dev.byob.visiting.config;

import dev.byob.protocol.id.Network;

/**
 * One IRC network the bridge serves for its user: where it is, and the user's nick and services account there.
 *
 * @param id the network id, as hosting bridges name it ({@code network.id} of their MSC2346 events)
 */
public record IrcNetworkConfig(String id, String host, int port, boolean tls, String nick, String account) {
    /** The network as the protocol names it. */
    public Network network() {
        return Network.irc(id);
    }
}
