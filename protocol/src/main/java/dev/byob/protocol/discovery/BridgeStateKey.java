package dev.byob.protocol.discovery;

import java.util.Objects;
import java.util.Optional;

/**
 * The state key of an MSC2346 bridge event: {@code <bridge prefix>://<protocol>/<network>/<channel>},
 * with every {@code /} inside a part escaped as {@code %2F}. Networkless protocols leave the network
 * part out.
 */
public record BridgeStateKey(String prefix, String protocol, Optional<String> network, String channel) {

    /** Requires every part; {@code network} is empty for networkless protocols. */
    public BridgeStateKey {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(channel, "channel");
    }

    /** Parses a state key, throwing {@link IllegalArgumentException} naming what is wrong. */
    public static BridgeStateKey parse(String stateKey) {
        Objects.requireNonNull(stateKey, "stateKey");
        int sep = stateKey.indexOf("://");
        if (sep <= 0) {
            throw new IllegalArgumentException("a bridge state key is <prefix>://<protocol>/<network>/<channel>");
        }
        String[] parts = stateKey.substring(sep + 3).split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException("a bridge state key has 2 or 3 parts after '://', not " + parts.length);
        }
        for (String part : parts) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("a bridge state key has no empty parts");
            }
        }
        String prefix = stateKey.substring(0, sep);
        if (parts.length == 2) {
            return new BridgeStateKey(prefix, unescape(parts[0]), Optional.empty(), unescape(parts[1]));
        }
        return new BridgeStateKey(prefix, unescape(parts[0]), Optional.of(unescape(parts[1])), unescape(parts[2]));
    }

    /** The state key as sent. */
    public String format() {
        StringBuilder sb = new StringBuilder(prefix).append("://").append(escape(protocol)).append('/');
        network.ifPresent(n -> sb.append(escape(n)).append('/'));
        return sb.append(escape(channel)).toString();
    }

    private static String escape(String part) {
        return part.replace("%", "%25").replace("/", "%2F");
    }

    private static String unescape(String part) {
        return part.replace("%2F", "/").replace("%2f", "/").replace("%25", "%");
    }

    @Override
    public String toString() {
        return format();
    }
}
