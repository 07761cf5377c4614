package dev.byob.it.visiting;

import static dev.byob.it.visiting.VisitingBridges.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.bridge.IrcNicks;
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
import dev.byob.it.hosting.HostingBridgeAppservices;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.core.VisitingBridge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One visiting bridge, two hosting bridges (spec §13.1): two reference hosting bridges, each with its own bot,
 * ghosts and data, bridge a room each to its own channel of one IRC network, and alice is in both rooms. Her
 * visiting bridge verifies with each on its own (two handshakes, two trust records, both in its {@code status}),
 * both step aside, and from then on alice's Matrix messages in either room reach the channel once, from her own
 * nick; bob's lines reach each room once; neither hosting bridge relays her. A room that one of them bridges later
 * is covered by the trust already held: no new handshake, and alice is relayed there by her own bridge at once.
 */
@RealServers
class VisitingBridgeSeveralHbsIT {
    private static final String NETWORK = "test";
    private static final String ORIGIN_TAG = "+byob.dev/origin";

    @TempDir
    Path dir;

    /** One hosting bridge of the scenario: its bot, its IRC bot's nick, its ghost of alice, its room and channel. */
    private record Hb(String bot, String botNick, String aliceGhost, String room, String channel, HostingBridge bridge) {}

    private Hb start(Homeserver homeserver, IrcNetwork irc, String registrationId, String botLocalpart,
                     String ghostPrefix, String botNick, String nickTemplate, MatrixUserClient alice,
                     IrcUserClient bob) throws Exception {
        AppserviceRegistration registration = homeserver.appservice(registrationId);
        String bot = registration.senderUserId(homeserver.serverName());
        String channel = "#" + Names.unique("sev");
        bob.join(channel);
        String room = HostingBridgeAppservices.createBridgedRoom(alice, alice.userId(), bot, channel);
        Path home = Files.createDirectories(dir.resolve(registrationId));
        BridgeConfig config = BridgeConfig.load(HostingBridgeAppservices.writeConfig(home.resolve("config.yaml"),
                homeserver, registration, botLocalpart, ghostPrefix,
                "irc:",
                "  networks:",
                "    - {id: " + NETWORK + ", host: " + irc.host() + ", port: " + irc.port() + ", tls: false, bot_nick: "
                        + botNick + ", nick_template: \"" + nickTemplate + "\"}",
                "rooms:",
                "  - {room: \"" + room + "\", network: " + NETWORK + ", channel: \"" + channel + "\"}"));
        HostingBridge bridge = HostingBridge.bridging(config).start();
        bob.await("the bot joining " + channel, m -> m.is("JOIN") && botNick.equalsIgnoreCase(m.nick())
                && channel.equalsIgnoreCase(m.param(0)), WAIT);
        String ghost = IrcNicks.forUser(config.ircNetworks().get(0), alice.userId().substring(1,
                alice.userId().indexOf(':')));
        String before = "before " + Names.unique("m");
        alice.sendText(room, before);
        assertEquals(ghost, bob.awaitPrivmsg(channel, before, WAIT).nick(), bot + " relays alice before");
        return new Hb(bot, botNick, ghost, room, channel, bridge);
    }

    @Test
    void twoHostingBridges_oneTrustRecordWithEach_aliceRelayedOnceInEachRoom_andALaterRoomNeedsNoHandshake(
            Homeserver homeserver, IrcNetwork irc) throws Exception {
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        MatrixAccount carol = homeserver.newUser("carol");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        String aliceIrc = aliceAccount.name();
        List<HostingBridge> bridges = new ArrayList<>();
        VisitingBridge vb = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixUserClient carolClient = MatrixUserClient.of(carol);
             IrcUserClient bob = irc.user(Names.unique("bob")).connect()) {
            Hb one = start(homeserver, irc, VisitingBridgeAppservices.SEVERAL1_ID, VisitingBridgeAppservices.SEVERAL1_BOT,
                    VisitingBridgeAppservices.SEVERAL1_GHOSTS, "hbsev1bot", "<name>[m]", aliceClient, bob);
            bridges.add(one.bridge());
            Hb two = start(homeserver, irc, VisitingBridgeAppservices.SEVERAL2_ID, VisitingBridgeAppservices.SEVERAL2_BOT,
                    VisitingBridgeAppservices.SEVERAL2_GHOSTS, "hbsev2bot", "<name>[m2]", aliceClient, bob);
            bridges.add(two.bridge());

            // The visiting bridge: one handshake with each hosting bridge, one trust record with each.
            VisitingBridgeConfig config = VisitingBridges.configure(dir.resolve("vb"), homeserver, alice, vbBot, irc,
                    NETWORK, aliceIrc, aliceAccount);
            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            VisitingBridges.awaitTrusted(vb, 2, "a handshake with each hosting bridge");
            assertEquals(Set.of(one.bot(), two.bot()), vb.relations().keySet().stream().map(k -> k.hbBot().value())
                    .collect(Collectors.toSet()));
            assertEquals(2, requests(vb), vb.sentTypes().toString());
            for (Hb hb : List.of(one, two)) {
                bob.await(hb.aliceGhost() + " quitting", m -> m.is("QUIT") && hb.aliceGhost().equalsIgnoreCase(m.nick()),
                        WAIT);
                bob.await(aliceIrc + " joining " + hb.channel(), m -> m.is("JOIN") && aliceIrc.equalsIgnoreCase(m.nick())
                        && hb.channel().equalsIgnoreCase(m.param(0)), WAIT);
            }

            // Both in its status.
            String dm = VisitingBridges.acceptBotDm(aliceClient, vbBot.userId());
            aliceClient.sendText(dm, "status");
            RoomEvent status = aliceClient.awaitEvent("a status naming both hosting bridges", e -> dm.equals(e.roomId())
                    && vbBot.userId().equals(e.sender()) && e.body() != null
                    && e.body().contains(one.bot() + " on " + NETWORK + ":")
                    && e.body().contains(two.bot() + " on " + NETWORK + ":"), WAIT);
            for (Hb hb : List.of(one, two)) {
                assertTrue(status.body().contains(hb.channel()), status.body());
            }
            assertEquals(2, status.body().split("lease live", -1).length - 1, status.body());

            // Alice's messages in each room reach its channel from her own nick; bob's reach each room.
            List<String> fromAlice = new ArrayList<>();
            List<String> fromBob = new ArrayList<>();
            for (Hb hb : List.of(one, two)) {
                String text = "alice in " + hb.channel() + " " + Names.unique("m");
                fromAlice.add(text);
                String eventId = aliceClient.sendText(hb.room(), text);
                IrcMessage line = bob.awaitPrivmsg(hb.channel(), text, WAIT);
                assertEquals(aliceIrc, line.nick());
                assertEquals(aliceIrc, line.account());
                assertEquals(eventId, line.tag(ORIGIN_TAG));
                String said = "bob in " + hb.channel() + " " + Names.unique("m");
                fromBob.add(said);
                bob.privmsg(hb.channel(), said);
                aliceClient.awaitMessage(hb.room(), said, WAIT);
            }

            // A room bridged later by the first bridge (carol's, by her command; alice joins it): trust covers it.
            String channel3 = "#" + Names.unique("later");
            bob.join(channel3);
            String room3 = carolClient.createRoom(Map.of("name", "later", "preset", "public_chat",
                    "invite", List.of(one.bot(), alice.userId()),
                    "power_level_content_override", Map.of("users", Map.of(carol.userId(), 100, one.bot(), 50))));
            aliceClient.join(room3);
            String carolDm = carolClient.createRoom(Map.of("is_direct", true, "preset", "trusted_private_chat",
                    "invite", List.of(one.bot())));
            carolClient.awaitEvent(one.bot() + " joining carol's DM", e -> carolDm.equals(e.roomId())
                    && "m.room.member".equals(e.type()) && one.bot().equals(e.stateKey())
                    && "join".equals(e.content().path("membership").asText()), WAIT);
            carolClient.sendText(carolDm, "bridge " + room3 + " " + NETWORK + " " + channel3);
            carolClient.awaitEvent("the bridge's answer", e -> carolDm.equals(e.roomId()) && one.bot().equals(e.sender())
                    && e.body() != null && e.body().startsWith("Bridged " + room3), WAIT);
            bob.await(aliceIrc + " joining " + channel3, m -> m.is("JOIN") && aliceIrc.equalsIgnoreCase(m.nick())
                    && channel3.equalsIgnoreCase(m.param(0)), WAIT);
            String later = "alice in the later room " + Names.unique("m");
            fromAlice.add(later);
            String laterId = aliceClient.sendText(room3, later);
            IrcMessage laterLine = bob.awaitPrivmsg(channel3, later, WAIT);
            assertEquals(aliceIrc, laterLine.nick());
            assertEquals(laterId, laterLine.tag(ORIGIN_TAG));
            assertEquals(2, requests(vb), "a new handshake for the later room: " + vb.sentTypes());
            assertEquals(2, vb.relations().size(), vb.relations().toString());
            assertTrue(vb.relations().containsKey(new TrustKey(UserId.parse(one.bot()), UserId.parse(alice.userId()),
                    dev.byob.protocol.id.Network.irc(NETWORK))), vb.relations().toString());

            // Markers after everything, on each channel and room; then count.
            for (Hb hb : List.of(one, two)) {
                String marker = "marker " + Names.unique("m");
                aliceClient.sendText(hb.room(), marker);
                bob.awaitPrivmsg(hb.channel(), marker, WAIT);
                String bobMarker = "bob marker " + Names.unique("m");
                bob.privmsg(hb.channel(), bobMarker);
                aliceClient.awaitMessage(hb.room(), bobMarker, WAIT);
            }
            for (String text : fromAlice) {
                assertEquals(1, bob.received().stream().filter(m -> m.is("PRIVMSG") && text.equals(m.param(1))).count(),
                        text + " on IRC: " + bob.received());
            }
            for (String text : fromBob) {
                assertEquals(1, aliceClient.seen().stream().filter(e -> "m.room.message".equals(e.type())
                        && text.equals(e.body())).count(), text + " on Matrix: " + aliceClient.seen());
            }
            for (Hb hb : List.of(one, two)) {
                assertFalse(bob.received().stream().anyMatch(m -> hb.aliceGhost().equalsIgnoreCase(m.nick())
                        && m.is("PRIVMSG") && !m.param(1).startsWith("before ")), hb.bot() + " relayed alice: "
                        + bob.received());
                assertFalse(VisitingBridges.joinedAfterQuit(bob.received(), hb.aliceGhost()),
                        hb.bot() + "'s ghost of alice came back");
            }
        } finally {
            if (vb != null) {
                vb.stop();
            }
            bridges.forEach(HostingBridge::stop);
        }
    }

    private static long requests(VisitingBridge vb) {
        return vb.sentTypes().stream().filter(MessageType.REQUEST.eventType()::equals).count();
    }
}
