package dev.byob.hosting.config;

import dev.byob.kit.config.ConfigException;
import dev.byob.hosting.appservice.GhostNamespace;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The hosting bridge's configuration, loaded from a YAML file and validated as a whole by {@link #load(Path)}.
 *
 * @param file the file it was loaded from
 * @param homeserver the homeserver the bridge is registered with
 * @param appservice the bridge as an application service
 * @param dataDir where the bridge keeps its files
 * @param database where the bridge keeps its durable state
 * @param ircNetworks the IRC networks it bridges, at least one
 * @param byob the byob policy: what it accepts from visiting bridges and its limits
 * @param rooms the rooms bridged by the configuration, possibly none
 */
public record BridgeConfig(Path file, HomeserverConfig homeserver, AppserviceConfig appservice, Path dataDir,
                           DatabaseConfig database, List<IrcNetworkConfig> ircNetworks, ByobPolicyConfig byob,
                           List<RoomConfig> rooms) {
    /** Copies the lists and checks the fields are present. */
    public BridgeConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(homeserver, "homeserver");
        Objects.requireNonNull(appservice, "appservice");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(database, "database");
        ircNetworks = List.copyOf(ircNetworks);
        Objects.requireNonNull(byob, "byob");
        rooms = List.copyOf(rooms);
    }

    /** The network with id {@code id}, if configured. */
    public java.util.Optional<IrcNetworkConfig> network(String id) {
        return ircNetworks.stream().filter(n -> n.id().equals(id)).findFirst();
    }

    /**
     * Loads and validates {@code file} for running the bridge: the tokens must be given inline or in an existing
     * registration file.
     *
     * @throws ConfigException listing every problem found, each as {@code file: key: reason}
     */
    public static BridgeConfig load(Path file) throws ConfigException {
        return new ConfigLoader(file, true).load();
    }

    /**
     * Loads and validates {@code file} for writing its registration: the tokens may be absent (fresh ones are
     * generated) and the registration file is not read.
     *
     * @throws ConfigException listing every problem found, each as {@code file: key: reason}
     */
    public static BridgeConfig loadForRegistration(Path file) throws ConfigException {
        return new ConfigLoader(file, false).load();
    }

    /** The bridge bot's user id, {@code @<bot_localpart>:<server_name>}. */
    public String botUserId() {
        return "@" + appservice.botLocalpart() + ":" + homeserver.serverName();
    }

    /** The user ids of the bridge's ghosts. */
    public GhostNamespace ghosts() {
        return GhostNamespace.of(appservice.ghostPrefix(), homeserver.serverName());
    }

    /**
     * The tokens.
     *
     * @throws IllegalStateException if the configuration was loaded for registration and has none
     */
    public AppserviceTokens tokens() {
        return appservice.tokens().orElseThrow(() -> new IllegalStateException(
                "no tokens: the configuration was loaded without its registration"));
    }
}
