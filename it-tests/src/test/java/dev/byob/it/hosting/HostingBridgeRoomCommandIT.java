package dev.byob.it.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.bridge.IrcNicks;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A room bridged by its admin's command, as people see it: carol, who administers a room, asks the bridge bot in
 * a DM to bridge it to a channel; dave, a plain member, may not. The bridge then relays both ways, keeps the
 * room bridged across a restart, refuses to unbridge a room of its configuration, and unbridges carol's room
 * when she asks.
 */
@RealServers
class HostingBridgeRoomCommandIT {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final String BOT_NICK = "hbcmdbot";
    private static final String NETWORK = "test";

    @TempDir
    Path dir;

    @Test
    void aRoomAdminBridgesHerRoomByCommand_itSurvivesARestart_andSheUnbridgesIt(Homeserver homeserver, IrcNetwork irc)
            throws Exception {
        AppserviceRegistration registration = homeserver.appservice(HostingBridgeAppservices.COMMAND_ID);
        String bot = registration.senderUserId(homeserver.serverName());
        MatrixAccount carol = homeserver.newUser("carol");
        MatrixAccount dave = homeserver.newUser("dave");
        String configured = "#" + Names.unique("conf");
        String channel = "#" + Names.unique("cmd");
        String bobNick = Names.unique("bob");
        HostingBridge bridge = null;
        try (MatrixUserClient carolClient = MatrixUserClient.of(carol);
             MatrixUserClient daveClient = MatrixUserClient.of(dave);
             IrcUserClient bob = irc.user(bobNick).connect()) {
            bob.join(channel);
            String configuredRoom = HostingBridgeAppservices.createBridgedRoom(carolClient, carol.userId(), bot,
                    configured);
            Path configFile = HostingBridgeAppservices.writeBridgeConfig(dir.resolve("config.yaml"), homeserver,
                    registration, HostingBridgeAppservices.COMMAND_BOT_LOCALPART,
                    HostingBridgeAppservices.COMMAND_GHOST_PREFIX, irc, NETWORK, BOT_NICK, configuredRoom, configured);
            BridgeConfig config = BridgeConfig.load(configFile);
            String carolNick = IrcNicks.forUser(config.ircNetworks().get(0), carol.localpart());
            bridge = HostingBridge.bridging(config).start();

            // carol's room: public, the bot invited with the power level to mark it bridged (50, state_default).
            String room = carolClient.createRoom(Map.of("name", "ours", "preset", "public_chat",
                    "invite", List.of(bot),
                    "power_level_content_override", Map.of("users", Map.of(carol.userId(), 100, bot, 50))));
            daveClient.join(room);
            String carolDm = ScriptedVisitingBridge.directRoomWith(carolClient, bot, WAIT);
            String daveDm = ScriptedVisitingBridge.directRoomWith(daveClient, bot, WAIT);

            daveClient.sendText(daveDm, "bridge " + room + " " + NETWORK + " " + channel);
            String refused = awaitReply(daveClient, daveDm, bot, "Only a member of");
            assertTrue(refused.contains("power level 50, and you have 0"), refused);

            carolClient.sendText(carolDm, "!bridge " + room + " " + NETWORK + " " + channel);
            awaitReply(carolClient, carolDm, bot, "Bridged " + room + " to " + channel);
            bob.await("the bot joining " + channel, m -> m.is("JOIN") && BOT_NICK.equalsIgnoreCase(m.nick())
                    && channel.equalsIgnoreCase(m.param(0)), WAIT);
            JsonNode marked = bridgeState(carolClient, room, channel);
            assertEquals(bot, marked.path("bridgebot").asText());
            assertEquals(channel, marked.path("channel").path("id").asText());

            String fromCarol = "hello from carol " + Names.unique("m");
            carolClient.sendText(room, fromCarol);
            assertEquals(carolNick, bob.awaitPrivmsg(channel, fromCarol, WAIT).nick());
            String fromBob = "hello from bob " + Names.unique("m");
            bob.privmsg(channel, fromBob);
            carolClient.awaitMessage(room, fromBob, WAIT);

            // A restart keeps the room bridged: nothing to configure, nothing to ask again.
            bridge.stop();
            bridge = HostingBridge.bridging(BridgeConfig.load(configFile)).start();
            bob.await("the bot joining " + channel + " again", m -> bob.received().stream()
                    .filter(j -> j.is("JOIN") && BOT_NICK.equalsIgnoreCase(j.nick())
                            && channel.equalsIgnoreCase(j.param(0))).count() >= 2, WAIT);
            String afterRestart = "after the restart " + Names.unique("m");
            bob.privmsg(channel, afterRestart);
            carolClient.awaitMessage(room, afterRestart, WAIT);

            carolClient.sendText(carolDm, "unbridge " + configuredRoom);
            awaitReply(carolClient, carolDm, bot, configuredRoom + " is bridged by this bridge's configuration");

            carolClient.sendText(carolDm, "unbridge " + room);
            awaitReply(carolClient, carolDm, bot, "Unbridged " + room + " from " + channel);
            bob.await("the bot leaving " + channel, m -> m.is("PART") && BOT_NICK.equalsIgnoreCase(m.nick())
                    && channel.equalsIgnoreCase(m.param(0)), WAIT);
            assertTrue(bridgeState(carolClient, room, channel).isEmpty(), "the MSC2346 event says: bridged no more");
        } finally {
            if (bridge != null) {
                bridge.stop();
            }
        }
    }

    /** The body of the bot's next notice in {@code dm} that starts with {@code start}. */
    private static String awaitReply(MatrixUserClient client, String dm, String bot, String start) {
        return client.awaitEvent("the bot's answer \"" + start + "…\"", e -> dm.equals(e.roomId())
                && bot.equals(e.sender()) && "m.room.message".equals(e.type()) && e.body() != null
                && e.body().startsWith(start), WAIT).body();
    }

    /** The content of {@code room}'s {@code m.bridge} event for {@code channel}. */
    private static JsonNode bridgeState(MatrixUserClient client, String room, String channel) {
        String key = HostingBridgeAppservices.COMMAND_ID + "://irc/" + NETWORK + "/" + channel;
        return client.api().call("GET", client.api().url("_matrix/client/v3/rooms", room, "state", "m.bridge", key)
                .build(), null, null);
    }
}
