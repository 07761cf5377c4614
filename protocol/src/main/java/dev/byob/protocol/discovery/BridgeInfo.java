package dev.byob.protocol.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.UserId;
import java.util.Objects;
import java.util.Optional;

/**
 * What an MSC2346 bridge state event ({@code m.bridge} or {@code uk.half-shot.bridge}) says about a
 * room: which bridge bot bridges it to which channel of which network.
 *
 * <p>Anyone allowed to send state in a room can send this event, so it names a hosting bridge only
 * when its {@code sender} is its {@code bridgebot} (spec §2.2). An event from anyone else is
 * {@link Verdict#FORGED} and must be ignored; one without {@code bridgebot} is {@link Verdict#MALFORMED}.
 * Protocol and network ids are taken exactly as written.
 */
public record BridgeInfo(String eventType, BridgeStateKey stateKey, UserId hbBot, Network network, String channel,
                         boolean active) {

    /** The stable event type. */
    public static final String M_BRIDGE = "m.bridge";
    /** The unstable event type bridges send today. */
    public static final String HALF_SHOT_BRIDGE = "uk.half-shot.bridge";

    /** The outcome of reading one state event. */
    public enum Verdict {
        /** A bridge event from its bridge bot. */
        VALID,
        /** Not a bridge event type. */
        NOT_A_BRIDGE_EVENT,
        /** Content or state key that does not follow MSC2346. */
        MALFORMED,
        /** Sent by someone other than the bridge bot it names. */
        FORGED
    }

    /** The result of {@link #read}: a verdict, the info when valid, and a readable reason otherwise. */
    public record Reading(Verdict verdict, Optional<BridgeInfo> info, String reason) {}

    /** Requires every part. */
    public BridgeInfo {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(stateKey, "stateKey");
        Objects.requireNonNull(hbBot, "hbBot");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(channel, "channel");
    }

    /** Whether {@code eventType} is one of the two bridge event types. */
    public static boolean isBridgeEventType(String eventType) {
        return M_BRIDGE.equals(eventType) || HALF_SHOT_BRIDGE.equals(eventType);
    }

    /** Reads one state event of a room. Never throws for bad content: the verdict says what was wrong. */
    public static Reading read(String eventType, String stateKey, UserId sender, JsonNode content) {
        if (!isBridgeEventType(eventType)) {
            return new Reading(Verdict.NOT_A_BRIDGE_EVENT, Optional.empty(), eventType + " is not a bridge event");
        }
        if (content == null || !content.isObject() || content.isEmpty()) {
            return malformed("empty content (the bridge was removed)");
        }
        BridgeStateKey key;
        try {
            key = BridgeStateKey.parse(stateKey);
        } catch (IllegalArgumentException e) {
            return malformed(e.getMessage());
        }
        JsonNode bridgebot = content.get("bridgebot");
        if (bridgebot == null || !bridgebot.isTextual()) {
            return malformed("bridgebot (a user id) is required for byob (spec §2.1)");
        }
        if (!bridgebot.textValue().equals(sender.value())) {
            return new Reading(Verdict.FORGED, Optional.empty(),
                    "sent by " + sender + ", not by its bridgebot " + bridgebot.textValue());
        }
        Optional<String> protocol = id(content, "protocol");
        Optional<String> network = id(content, "network");
        Optional<String> channel = id(content, "channel");
        if (protocol.isEmpty() || channel.isEmpty()) {
            return malformed("protocol.id and channel.id are required");
        }
        if (network.isEmpty()) {
            return malformed("byob needs network.id to tell networks of one protocol apart");
        }
        Network net;
        try {
            // Copied byte for byte (spec §2.2): both bridges must name the network alike in their messages.
            net = new Network(protocol.get(), network.get());
        } catch (IllegalArgumentException e) {
            return malformed(e.getMessage());
        }
        JsonNode status = content.get("status");
        boolean active = status == null || !status.isTextual() || !"disabled".equals(status.textValue());
        return new Reading(Verdict.VALID,
                Optional.of(new BridgeInfo(eventType, key, sender, net, channel.get(), active)), "");
    }

    private static Reading malformed(String reason) {
        return new Reading(Verdict.MALFORMED, Optional.empty(), reason);
    }

    private static Optional<String> id(JsonNode content, String field) {
        JsonNode node = content.get(field);
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        JsonNode id = node.get("id");
        return id != null && id.isTextual() && !id.textValue().isEmpty() ? Optional.of(id.textValue()) : Optional.empty();
    }
}
