package dev.byob.it.hosting;

import dev.byob.hosting.appservice.GhostNamespace;
import dev.byob.hosting.config.AppserviceTokens;
import dev.byob.it.harness.AppserviceProvider;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.fixtures.MatrixUserClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The hosting bridge's registrations on the shared Synapse, made the way the bridge makes its own: random
 * tokens from {@link AppserviceTokens#random()} and the exclusive ghost namespace from
 * {@link GhostNamespace#regex()}. One per test class that runs a bridge, since Synapse backs off from an
 * appservice it could not reach, and each class stops its bridge at its end.
 */
public final class HostingBridgeAppservices implements AppserviceProvider {
    /** The registration's id. */
    public static final String ID = "byob-hosting-bridge-it";
    /** The bridge bot's localpart. */
    public static final String BOT_LOCALPART = "hbit_bridge";
    /** The localpart prefix of the bridge's ghosts. */
    public static final String GHOST_PREFIX = "hbit_irc_";

    /** The registration of the bridge that relays ({@code HostingBridgeRelayIT}). */
    public static final String RELAY_ID = "byob-hosting-bridge-relay-it";
    /** Its bot's localpart. */
    public static final String RELAY_BOT_LOCALPART = "hbrelay_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String RELAY_GHOST_PREFIX = "hbrelay_irc_";

    /** The registration of the bridge that steps aside for a visiting bridge ({@code HostingBridgeByobIT}). */
    public static final String BYOB_ID = "byob-hosting-bridge-byob-it";
    /** Its bot's localpart. */
    public static final String BYOB_BOT_LOCALPART = "hbbyob_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String BYOB_GHOST_PREFIX = "hbbyob_irc_";

    /** The registration of the bridge that fills in for a visiting bridge that went down ({@code HostingBridgeLeaseIT}). */
    public static final String LEASE_ID = "byob-hosting-bridge-lease-it";
    /** Its bot's localpart. */
    public static final String LEASE_BOT_LOCALPART = "hblease_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String LEASE_GHOST_PREFIX = "hblease_irc_";
    /** The registration of the bridge that a real visiting bridge talks to ({@code VisitingBridgeIT}). */
    public static final String VB_ID = "byob-hosting-bridge-vb-it";
    /** Its bot's localpart. */
    public static final String VB_BOT_LOCALPART = "hbvb_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String VB_GHOST_PREFIX = "hbvb_irc_";
    /** The registration of the bridge the load benchmark drives ({@code dev.byob.it.bench.HostingBridgeLoad}). */
    public static final String LOAD_ID = "byob-hosting-bridge-load";
    /** Its bot's localpart. */
    public static final String LOAD_BOT_LOCALPART = "hbload_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String LOAD_GHOST_PREFIX = "hbload_irc_";

    /** The registration of the bridge that refuses bad proofs ({@code HostingBridgeRefusalIT}). */
    public static final String REFUSAL_ID = "byob-hosting-bridge-refusal-it";
    /** Its bot's localpart. */
    public static final String REFUSAL_BOT_LOCALPART = "hbrefuse_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String REFUSAL_GHOST_PREFIX = "hbrefuse_irc_";

    /** The registration of the bridge where a second visiting bridge overrides the first ({@code HostingBridgeOverrideIT}). */
    public static final String OVERRIDE_ID = "byob-hosting-bridge-override-it";
    /** Its bot's localpart. */
    public static final String OVERRIDE_BOT_LOCALPART = "hbover_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String OVERRIDE_GHOST_PREFIX = "hbover_irc_";

    /** The registration of the bridge process killed mid-handshake ({@code HostingBridgeCrashIT}). */
    public static final String CRASH_ID = "byob-hosting-bridge-crash-it";
    /** Its bot's localpart. */
    public static final String CRASH_BOT_LOCALPART = "hbcrash_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String CRASH_GHOST_PREFIX = "hbcrash_irc_";

    /** The registration of the bridge whose rooms are bridged by command ({@code HostingBridgeRoomCommandIT}). */
    public static final String COMMAND_ID = "byob-hosting-bridge-command-it";
    /** Its bot's localpart. */
    public static final String COMMAND_BOT_LOCALPART = "hbcmd_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String COMMAND_GHOST_PREFIX = "hbcmd_irc_";

    /** The registration of the bridge of the visiting bridge's benchmark ({@code VisitingBridgeBenchmark}). */
    public static final String BENCH_ID = "byob-hosting-bridge-vb-bench";
    /** Its bot's localpart. */
    public static final String BENCH_BOT_LOCALPART = "hbbench_bridge";
    /** Its ghosts' localpart prefix. */
    public static final String BENCH_GHOST_PREFIX = "hbbench_irc_";

    /**
     * Writes the bridge's configuration for {@code registration} to {@code file}: homeserver, appservice with the
     * registration's tokens and port, {@code data_dir: data}, then {@code rest} (the {@code irc:} section and
     * anything more), as YAML lines.
     */
    public static Path writeConfig(Path file, Homeserver homeserver, AppserviceRegistration registration,
                                   String botLocalpart, String ghostPrefix, String... rest) throws IOException {
        List<String> lines = new java.util.ArrayList<>(List.of(
                "homeserver:",
                "  url: " + homeserver.baseUrl(),
                "  server_name: " + homeserver.serverName(),
                "appservice:",
                "  id: " + registration.id(),
                "  port: " + registration.port(),
                "  as_token: " + registration.asToken(),
                "  hs_token: " + registration.hsToken(),
                "  bot_localpart: " + botLocalpart,
                "  ghost_prefix: " + ghostPrefix,
                "data_dir: data"));
        lines.addAll(List.of(rest));
        lines.add("");
        return Files.writeString(file, String.join("\n", lines));
    }

    /**
     * A public room {@code owner} creates for {@code channel}, inviting the bridge's {@code bot} with power level
     * 100 so it can send the MSC2346 state events.
     */
    public static String createBridgedRoom(MatrixUserClient owner, String ownerId, String bot, String channel) {
        return owner.createRoom(Map.of(
                "name", "bridged to " + channel,
                "preset", "public_chat",
                "invite", List.of(bot),
                "power_level_content_override", Map.of("users", Map.of(ownerId, 100, bot, 100))));
    }

    /**
     * {@link #writeConfig} for a bridge of one IRC network, {@code network}, on the harness's {@code irc}, with
     * its bot {@code botNick}, bridging {@code room} to {@code channel}; {@code extra} lines are appended.
     */
    public static Path writeBridgeConfig(Path file, Homeserver homeserver, AppserviceRegistration registration,
                                         String botLocalpart, String ghostPrefix, IrcNetwork irc, String network,
                                         String botNick, String room, String channel, String... extra)
            throws IOException {
        List<String> rest = new java.util.ArrayList<>(List.of(
                "irc:",
                "  networks:",
                "    - {id: " + network + ", host: " + irc.host() + ", port: " + irc.port()
                        + ", tls: false, bot_nick: " + botNick + "}",
                "rooms:",
                "  - {room: \"" + room + "\", network: " + network + ", channel: \"" + channel + "\"}"));
        rest.addAll(List.of(extra));
        return writeConfig(file, homeserver, registration, botLocalpart, ghostPrefix, rest.toArray(String[]::new));
    }

    @Override
    public List<AppserviceRegistration> appservices(String serverName) {
        return List.of(registration(ID, BOT_LOCALPART, GHOST_PREFIX, serverName),
                registration(RELAY_ID, RELAY_BOT_LOCALPART, RELAY_GHOST_PREFIX, serverName),
                registration(BYOB_ID, BYOB_BOT_LOCALPART, BYOB_GHOST_PREFIX, serverName),
                registration(LEASE_ID, LEASE_BOT_LOCALPART, LEASE_GHOST_PREFIX, serverName),
                registration(VB_ID, VB_BOT_LOCALPART, VB_GHOST_PREFIX, serverName),
                registration(REFUSAL_ID, REFUSAL_BOT_LOCALPART, REFUSAL_GHOST_PREFIX, serverName),
                registration(OVERRIDE_ID, OVERRIDE_BOT_LOCALPART, OVERRIDE_GHOST_PREFIX, serverName),
                registration(CRASH_ID, CRASH_BOT_LOCALPART, CRASH_GHOST_PREFIX, serverName),
                registration(LOAD_ID, LOAD_BOT_LOCALPART, LOAD_GHOST_PREFIX, serverName),
                registration(BENCH_ID, BENCH_BOT_LOCALPART, BENCH_GHOST_PREFIX, serverName),
                registration(COMMAND_ID, COMMAND_BOT_LOCALPART, COMMAND_GHOST_PREFIX, serverName));
    }

    /** A registration {@code id} with bot {@code bot}, exclusive over the ghosts {@code ghostPrefix*}, and random tokens. */
    public static AppserviceRegistration registration(String id, String bot, String ghostPrefix, String serverName) {
        AppserviceTokens tokens = AppserviceTokens.random();
        return AppserviceRegistration.builder(id)
                .asToken(tokens.asToken().reveal())
                .hsToken(tokens.hsToken().reveal())
                .senderLocalpart(bot)
                .users(GhostNamespace.of(ghostPrefix, serverName).regex(), true)
                .build();
    }
}
