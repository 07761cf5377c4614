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
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.hosting.HostingInput;
import dev.byob.protocol.hosting.HostingOutput;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.hosting.InMemoryFillInLog;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.trust.InMemoryTrustStore;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingState;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.core.VisitingBridge;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
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
 * A third bridge bot whose challenge names the first bridge's IRC bot as its proof target is refused (§2.3).
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
                    Network.irc(NETWORK))), vb.relations().toString());

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

            // §2.3: a third bridge bot (mallory's) bridges another room of alice's and, in its challenge, names the
            // first bridge's IRC bot as the target of the remote proof: pinned to the first bridge, so refused.
            refusesAChallengeNamingAnotherBridgesTarget(homeserver, aliceClient, vbBot.userId(), one.botNick(), vb);
            assertEquals(2, vb.sentTypes().stream().filter(MessageType.ANSWER.eventType()::equals).count(),
                    "no answer for the relayed challenge: " + vb.sentTypes());
            for (Hb hb : List.of(one, two)) {
                assertTrue(vb.relations().get(new TrustKey(UserId.parse(hb.bot()), UserId.parse(alice.userId()),
                        Network.irc(NETWORK))) instanceof VisitingState.Trusted, vb.relations().toString());
            }
        } finally {
            if (vb != null) {
                vb.stop();
            }
            bridges.forEach(HostingBridge::stop);
        }
    }

    /**
     * A bridge bot of mallory's (a plain account) marks a room of alice's bridged, joins the DM the visiting bridge
     * opens, and answers its request with a challenge made by a real {@link HostingEngine} whose IRC bot is
     * {@code pinnedTarget}. The visiting bridge cancels it with {@code invalid_message} and makes no proof.
     */
    private static void refusesAChallengeNamingAnotherBridgesTarget(Homeserver homeserver, MatrixUserClient alice,
                                                                    String vbBot, String pinnedTarget, VisitingBridge vb)
            throws Exception {
        MatrixAccount rogue = homeserver.newUser("roguebridge");
        try (MatrixUserClient rogueClient = MatrixUserClient.of(rogue)) {
            String room = alice.createRoom(Map.of("preset", "public_chat", "invite", List.of(rogue.userId()),
                    "power_level_content_override", Map.of("users", Map.of(alice.userId(), 100, rogue.userId(), 100))));
            rogueClient.join(room);
            String channel = "#" + Names.unique("rogue");
            rogueClient.api().call("PUT", rogueClient.api().url("_matrix/client/v3/rooms", room, "state", "m.bridge",
                    "org.example.rogue://irc/" + NETWORK + "/" + channel).build(), Map.of("bridgebot", rogue.userId(),
                    "protocol", Map.of("id", "irc"), "network", Map.of("id", NETWORK), "channel", Map.of("id", channel)),
                    null);
            String dm = rogueClient.awaitEvent("the visiting bridge's DM", e -> "invite".equals(e.membership())
                    && "m.room.member".equals(e.type()) && rogue.userId().equals(e.stateKey())
                    && vbBot.equals(e.sender()), WAIT).roomId();
            rogueClient.join(dm);
            RoomEvent request = rogueClient.awaitEvent("the request", e -> dm.equals(e.roomId())
                    && MessageType.REQUEST.eventType().equals(e.type()), WAIT);
            Network network = Network.irc(NETWORK);
            HostingEngine engine = new HostingEngine(HostingPolicy.defaults(UserId.parse(rogue.userId()),
                    Map.of(network, pinnedTarget), Map.of(network, new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459)),
                    ProofMethods.MATRIX_ALL), new InMemoryTrustStore(), new InMemoryFillInLog(), new SecureRandom(),
                    Instant.now());
            HostingOutput.Send challenge = engine.handle(new HostingInput.RoomMessage(RoomId.parse(dm), true,
                    UserId.parse(vbBot), request.type(), request.content()), Instant.now()).stream()
                    .filter(o -> o instanceof HostingOutput.Send send && send.type() == MessageType.CHALLENGE)
                    .map(o -> (HostingOutput.Send) o).findFirst().orElseThrow();
            assertEquals(pinnedTarget, challenge.content().path("remote_proof").path("target").asText());
            rogueClient.sendEvent(dm, challenge.type().eventType(), challenge.content());
            RoomEvent cancel = rogueClient.awaitEvent("the visiting bridge's cancel", e -> dm.equals(e.roomId())
                    && MessageType.CANCEL.eventType().equals(e.type()), WAIT);
            assertEquals(CancelCode.INVALID_MESSAGE.value(), cancel.content().path("code").asText());
            assertEquals(request.content().path("txn_id").asText(), cancel.content().path("txn_id").asText());
            VisitingState state = vb.relations().get(new TrustKey(UserId.parse(rogue.userId()),
                    UserId.parse(alice.userId()), network));
            assertTrue(state instanceof VisitingState.Failed f && f.code().equals(CancelCode.INVALID_MESSAGE),
                    String.valueOf(state));
            assertFalse(alice.seen().stream().anyMatch(e -> MessageType.MATRIX_PROOF.eventType().equals(e.type())
                    && dm.equals(e.roomId())), "a Matrix proof for the refused challenge");
        }
    }

    private static long requests(VisitingBridge vb) {
        return vb.sentTypes().stream().filter(MessageType.REQUEST.eventType()::equals).count();
    }
}
