package dev.byob.hosting.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.discovery.BridgeStateKey;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.UserId;
import java.util.List;
import java.util.Optional;

/**
 * The MSC2346 state a bridged room carries: {@code m.bridge} and {@code uk.half-shot.bridge}, both with state
 * key {@code <prefix>://irc/<network>/<channel>} and content naming the bot, the protocol, the network and
 * the channel.
 */
public final class BridgeState {
    /** The two event types sent, stable first. */
    public static final List<String> EVENT_TYPES = List.of(BridgeInfo.M_BRIDGE, BridgeInfo.HALF_SHOT_BRIDGE);

    private static final ObjectMapper JSON = new ObjectMapper();

    private BridgeState() {
    }

    /** The state key for {@code channel} of {@code network}, with {@code prefix} (the appservice id). */
    public static String stateKey(String prefix, Network network, String channel) {
        return new BridgeStateKey(prefix, network.protocol(), Optional.of(network.id()), channel).format();
    }

    /** The content: {@code bridgebot}, {@code creator} if known, and {@code protocol}, {@code network}, {@code channel}. */
    public static ObjectNode content(UserId bot, UserId creator, Network network, String channel) {
        ObjectNode content = JSON.createObjectNode().put("bridgebot", bot.value());
        if (creator != null) {
            content.put("creator", creator.value());
        }
        content.putObject("protocol").put("id", network.protocol()).put("displayname", "IRC");
        content.putObject("network").put("id", network.id()).put("displayname", network.id());
        content.putObject("channel").put("id", channel).put("displayname", channel);
        return content;
    }
}
