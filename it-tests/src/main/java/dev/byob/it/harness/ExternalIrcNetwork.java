package dev.byob.it.harness;

import java.nio.file.Path;
import java.util.List;

/**
 * An IRC network that is already running, named by {@code BYOB_IT_IRC_HOST} and {@code BYOB_IT_IRC_PORT}
 * (default 6667). It must offer SASL PLAIN, {@code account-tag} and NickServ registration without
 * e-mail verification.
 *
 * @param host the host
 * @param port the plain-text client port
 */
public record ExternalIrcNetwork(String host, int port) implements IrcNetwork {

    /** The network described by the decision's environment variables. */
    static ExternalIrcNetwork from(ServerSource.External source) {
        return new ExternalIrcNetwork(source.get("BYOB_IT_IRC_HOST", null),
                Integer.parseInt(source.get("BYOB_IT_IRC_PORT", "6667")));
    }

    @Override
    public List<Path> logs() {
        return List.of();
    }
}
