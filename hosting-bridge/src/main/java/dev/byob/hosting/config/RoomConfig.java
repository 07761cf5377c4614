package dev.byob.hosting.config;

import java.util.Objects;

/**
 * A Matrix room bridged to an IRC channel by the configuration.
 *
 * @param room the room's id ({@code !id:server}) or an alias ({@code #alias:server}) the bot joins by
 * @param network the id of the IRC network, one of {@link BridgeConfig#ircNetworks()}
 * @param channel the channel on that network, e.g. {@code #byob}
 */
public record RoomConfig(String room, String network, String channel) {
    /** Checks the fields are present. */
    public RoomConfig {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(channel, "channel");
    }
}
