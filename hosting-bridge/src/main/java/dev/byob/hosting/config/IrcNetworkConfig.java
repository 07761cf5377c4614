package dev.byob.hosting.config;

import java.util.Objects;

/**
 * One IRC network the bridge connects to.
 *
 * @param id a short id used in ghost ids and room aliases, e.g. {@code libera}
 * @param host the server's host name
 * @param port the server's port (default 6697 with TLS, 6667 without)
 * @param tls whether to connect with TLS (default true)
 * @param botNick the nick of the bridge's own IRC connection, which also receives remote proofs
 * @param nickTemplate how a Matrix user's nick is made from their name; {@code <name>} is replaced
 *     (default {@code <name>[m]})
 * @param relaybot whether Matrix users without their own connection are relayed through the bot's
 *     connection instead of getting one each
 */
public record IrcNetworkConfig(String id, String host, int port, boolean tls, String botNick, String nickTemplate,
                               boolean relaybot) {
    /** The placeholder in {@link #nickTemplate()}. */
    public static final String NAME_PLACEHOLDER = "<name>";

    /** Checks the fields are present. */
    public IrcNetworkConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(botNick, "botNick");
        Objects.requireNonNull(nickTemplate, "nickTemplate");
    }

    /** The nick for a Matrix user called {@code name}. */
    public String nickFor(String name) {
        return nickTemplate.replace(NAME_PLACEHOLDER, name);
    }
}
