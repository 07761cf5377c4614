package dev.byob.hosting.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Matrix room bridged to an IRC channel by the configuration.
 *
 * @param room the room's id ({@code !id:server}) or an alias ({@code #alias:server}) the bot joins by
 * @param network the id of the IRC network, one of {@link BridgeConfig#ircNetworks()}
 * @param channel the channel on that network, e.g. {@code #byob}
 */
public record RoomConfig(String room, String network, String channel) {
    private static final Pattern CHANNEL = Pattern.compile("[#&][^\\x00-\\x20,\\x07]{1,49}");
    /** What {@link #isChannelName} wants, in words for an error message. */
    public static final String CHANNEL_RULE = "starts with # or &, no spaces, commas or control characters";

    /** Whether {@code name} is an IRC channel name the bridge accepts ({@link #CHANNEL_RULE}). */
    public static boolean isChannelName(String name) {
        return name != null && CHANNEL.matcher(name).matches();
    }

    /** Checks the fields are present. */
    public RoomConfig {
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(channel, "channel");
    }
}
