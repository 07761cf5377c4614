package dev.byob.it.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.bridge.GhostIds;
import dev.byob.hosting.bridge.IrcNicks;
import dev.byob.hosting.bridge.RelayGate;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import dev.byob.protocol.message.RelayMarks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relaying before byob, as people see it: the hosting bridge runs from a real configuration with
 * {@link RelayGate#ALWAYS}, bridging a room of a real Matrix user to a channel of a real IRC user.
 */
@RealServers
class HostingBridgeRelayIT {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final String BOT_NICK = "hbrelaybot";
    private static final String ACTION = "\u0001ACTION ";

    @TempDir
    Path dir;

    @Test
    void aliceAndBob_talkAndEmoteBothWays_throughPuppetAndGhost_withoutEchoes(Homeserver homeserver, IrcNetwork irc)
            throws Exception {
        AppserviceRegistration registration = homeserver.appservice(HostingBridgeAppservices.RELAY_ID);
        String bot = registration.senderUserId(homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        String channel = "#" + Names.unique("relay");
        String bobNick = Names.unique("bob");
        HostingBridge bridge = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             IrcUserClient bob = irc.user(bobNick).connect()) {
            bob.join(channel);
            String room = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), bot, channel);
            Path configFile = HostingBridgeAppservices.writeBridgeConfig(dir.resolve("config.yaml"), homeserver,
                    registration, HostingBridgeAppservices.RELAY_BOT_LOCALPART, HostingBridgeAppservices.RELAY_GHOST_PREFIX,
                    irc, "test", BOT_NICK, room, channel);
            BridgeConfig config = BridgeConfig.load(configFile);
            String aliceNick = IrcNicks.forUser(config.ircNetworks().get(0),
                    alice.userId().substring(1, alice.userId().indexOf(':')));
            String ghost = GhostIds.userId(config.ghosts(), "test", bobNick, false);

            bridge = HostingBridge.bridging(config, RelayGate.ALWAYS).start();

            bob.await("the bot joining " + channel,
                    m -> m.is("JOIN") && BOT_NICK.equalsIgnoreCase(m.nick()) && channel.equalsIgnoreCase(m.param(0)),
                    WAIT);
            assertBridgeState(aliceClient, room, bot, channel);

            String fromAlice = "hello bob " + Names.unique("m");
            String fromAliceId = aliceClient.sendText(room, fromAlice);
            IrcMessage atBob = bob.awaitPrivmsg(channel, fromAlice, WAIT);
            assertEquals(aliceNick, atBob.nick());
            assertEquals(fromAliceId, atBob.tag(RelayMarks.ORIGIN_TAG), "the relay names the event it carries");

            String aliceWaves = "waves " + Names.unique("e");
            aliceClient.sendEvent(room, "m.room.message", Map.of("msgtype", "m.emote", "body", aliceWaves));
            IrcMessage action = bob.awaitPrivmsg(channel, ACTION + aliceWaves + "\u0001", WAIT);
            assertEquals(aliceNick, action.nick());

            String fromBob = "hi alice " + Names.unique("m");
            bob.privmsg(channel, fromBob);
            RoomEvent atAlice = aliceClient.awaitMessage(room, fromBob, WAIT);
            assertEquals(ghost, atAlice.sender());
            String bobsMsgid = bob.received().stream()
                    .filter(m -> m.is("PRIVMSG") && bobNick.equalsIgnoreCase(m.nick()) && fromBob.equals(m.param(1)))
                    .findFirst().orElseThrow().msgid();
            JsonNode source = atAlice.content().path(RelayMarks.SOURCE_FIELD);
            assertEquals(bobsMsgid, source.path("msgid").asText(), "the relay names the line it carries: " + source);
            assertEquals("test", source.path("network").path("id").asText());
            assertEquals("m.text", atAlice.content().path("msgtype").asText());
            JsonNode ghostMember = aliceClient.api().call("GET", aliceClient.api()
                    .url("_matrix/client/v3/rooms", room, "state", "m.room.member", ghost).build(), null, null);
            assertEquals(bobNick, ghostMember.path("displayname").asText());

            String bobNods = "nods " + Names.unique("e");
            bob.privmsg(channel, ACTION + bobNods + "\u0001");
            RoomEvent emote = aliceClient.awaitMessage(room, bobNods, WAIT);
            assertEquals(ghost, emote.sender());
            assertEquals("m.emote", emote.content().path("msgtype").asText());

            // A last line each way, after which every earlier relay has arrived: then count.
            String lastFromAlice = "last from alice " + Names.unique("m");
            aliceClient.sendText(room, lastFromAlice);
            bob.awaitPrivmsg(channel, lastFromAlice, WAIT);
            String lastFromBob = "last from bob " + Names.unique("m");
            bob.privmsg(channel, lastFromBob);
            aliceClient.awaitMessage(room, lastFromBob, WAIT);

            List<String> bobSaw = new ArrayList<>();
            for (IrcMessage m : bob.received()) {
                // bob's client has echo-message: his own lines come back from the server, not from the bridge
                if (m.is("PRIVMSG") && channel.equalsIgnoreCase(m.param(0)) && !bobNick.equalsIgnoreCase(m.nick())) {
                    bobSaw.add(m.param(1));
                }
            }
            assertEquals(List.of(fromAlice, ACTION + aliceWaves + "\u0001", lastFromAlice), bobSaw,
                    "each Matrix message once on IRC, and none of bob's own lines back");
            List<String> aliceSaw = new ArrayList<>();
            for (RoomEvent e : aliceClient.seen()) {
                if (room.equals(e.roomId()) && "m.room.message".equals(e.type())) {
                    aliceSaw.add(e.sender().equals(ghost) ? "ghost: " + e.body() : e.sender() + ": " + e.body());
                }
            }
            assertEquals(List.of(alice.userId() + ": " + fromAlice, alice.userId() + ": " + aliceWaves,
                    "ghost: " + fromBob, "ghost: " + bobNods, alice.userId() + ": " + lastFromAlice,
                    "ghost: " + lastFromBob), aliceSaw, "each IRC line once on Matrix, and none of alice's back");
        } finally {
            if (bridge != null) {
                bridge.stop();
            }
        }
    }

    private static void assertBridgeState(MatrixUserClient alice, String room, String bot, String channel) {
        JsonNode state = alice.api().call("GET", alice.api().url("_matrix/client/v3/rooms", room, "state").build(),
                null, null);
        String key = HostingBridgeAppservices.RELAY_ID + "://irc/test/" + channel.replace("/", "%2F");
        for (String type : List.of("m.bridge", "uk.half-shot.bridge")) {
            JsonNode found = null;
            for (JsonNode event : state) {
                if (type.equals(event.path("type").asText()) && key.equals(event.path("state_key").asText())) {
                    found = event;
                }
            }
            assertTrue(found != null, type + " with state key " + key + " in " + state);
            assertEquals(bot, found.path("sender").asText());
            assertEquals(bot, found.path("content").path("bridgebot").asText());
            assertEquals("irc", found.path("content").path("protocol").path("id").asText());
            assertEquals("test", found.path("content").path("network").path("id").asText());
            assertEquals(channel, found.path("content").path("channel").path("id").asText());
        }
    }
}
