package dev.byob.visiting.config;

import dev.byob.kit.config.ConfigException;

import dev.byob.protocol.id.UserId;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A visiting bridge's configuration: no secrets, those are kept in the data directory by {@code login}.
 *
 * @param bot the bridge's own bot account, if it has one; otherwise the user's account speaks for it
 */
public record VisitingBridgeConfig(Path file, URI homeserver, UserId user, Optional<UserId> bot, Path dataDir,
                                   List<IrcNetworkConfig> ircNetworks) {

    public VisitingBridgeConfig {
        ircNetworks = List.copyOf(ircNetworks);
    }

    /** The account that speaks for the bridge in DMs with hosting bridges' bots. */
    public UserId vbBot() {
        return bot.orElse(user);
    }

    /** Reads and checks {@code file}, reporting every problem at once. */
    public static VisitingBridgeConfig load(Path file) throws ConfigException {
        return new ConfigLoader(file).load();
    }
}
