package dev.byob.it.visiting;

import static dev.byob.it.visiting.VisitingBridges.awaitNotice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.bridge.GhostIds;
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
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.protocol.id.RoomId;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.core.VisitingBridge;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The visiting bridge's portal rooms (spec §13.3) against the real Synapse, IRC and hosting bridge. Alice asks
 * her bridge's bot for a portal to a channel nobody bridges: her Matrix messages there reach IRC from her own
 * connection, her other IRC client's lines appear as her, and bob's lines appear through the bot. Then a
 * hosting bridge bridges the channel to a room alice is in; once the bridge trusts it, the portal gets a
 * tombstone pointing there, the bot leaves, and the channel's messages flow in the hosting bridge's room only.
 * A second portal, which a stranger joined, is never tombstoned; and nothing is done twice after a restart.
 */
@RealServers
class PortalRoomIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NETWORK = "test";
    private static final String HB_NICK = "hbportalbot";
    private static final String ORIGIN_TAG = "+byob.dev/origin";

    @TempDir
    Path dir;

    @Test
    void aPortalRoom_relaysTheChannel_andIsTombstonedForTheHostingBridgesRoom_butNotWithAStrangerIn(
            Homeserver homeserver, IrcNetwork irc) throws Exception {
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount carol = homeserver.newUser("carol");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        String aliceIrc = aliceAccount.name();
        String lone = "#" + Names.unique("portal");
        String shared = "#" + Names.unique("shared");
        VisitingBridge vb = null;
        HostingBridge hb = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixUserClient carolClient = MatrixUserClient.of(carol);
             IrcUserClient bob = irc.user(Names.unique("bob")).connect()) {
            bob.join(lone);
            bob.join(shared);
            VisitingBridgeConfig config = VisitingBridges.configure(dir.resolve("vb"), homeserver, alice, vbBot, irc, NETWORK,
                    aliceAccount.name(), aliceAccount);
            String dm = aliceClient.createRoom(Map.of("preset", "trusted_private_chat", "is_direct", true,
                    "invite", List.of(vbBot.userId())));
            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            awaitNotice(aliceClient, dm, vbBot.userId(), "I am your visiting bridge");

            // Alice asks for a portal; the bot creates it, joins her, and her connection joins the channel.
            aliceClient.sendText(dm, "portal nosuchnet " + lone);
            awaitNotice(aliceClient, dm, vbBot.userId(), "no IRC network \"nosuchnet\"");
            aliceClient.sendText(dm, "portal " + NETWORK + " " + lone);
            String portal = portalRoom(awaitNotice(aliceClient, dm, vbBot.userId(),
                    " for " + lone + " on " + NETWORK));
            bob.await(aliceIrc + " joining " + lone, m -> m.is("JOIN") && aliceIrc.equalsIgnoreCase(m.nick())
                    && lone.equalsIgnoreCase(m.param(0)), WAIT);
            try (MatrixClient asAlice = MatrixClient.builder(homeserver.baseUrl(), alice.accessToken()).build()) {
                List<JsonNode> state = asAlice.getRoomState(RoomId.parse(portal));
                JsonNode bridgeEvent = state.stream().filter(e -> "m.bridge".equals(e.path("type").asText()))
                        .findFirst().orElseThrow(() -> new AssertionError("no m.bridge in the portal: " + state));
                assertEquals(vbBot.userId(), bridgeEvent.path("sender").asText());
                assertEquals(vbBot.userId(), bridgeEvent.path("content").path("bridgebot").asText());
                assertEquals(lone, bridgeEvent.path("content").path("channel").path("id").asText());
                assertEquals(alice.userId(), bridgeEvent.path("content").path("org.matrix.msc3647.portal").asText());
                assertTrue(state.stream().anyMatch(e -> "m.room.join_rules".equals(e.path("type").asText())
                        && "invite".equals(e.path("content").path("join_rule").asText())), state.toString());
            }

            // Bob's lines through the bot, as a relay bot shows them.
            String fromBob = "hello portal " + Names.unique("m");
            bob.privmsg(lone, fromBob);
            RoomEvent bobs = aliceClient.awaitMessage(portal, "<" + bob.nick() + "> " + fromBob, WAIT);
            assertEquals(vbBot.userId(), bobs.sender());
            bob.send("PRIVMSG " + lone + " :\u0001ACTION waves\u0001");
            aliceClient.awaitMessage(portal, "* " + bob.nick() + " waves", WAIT);

            // Alice's Matrix message: from her own nick, tagged with its event id.
            String fromAlice = "from matrix " + Names.unique("m");
            String eventId = aliceClient.sendText(portal, fromAlice);
            IrcMessage line = bob.awaitPrivmsg(lone, fromAlice, WAIT);
            assertEquals(aliceIrc, line.nick());
            assertEquals(eventId, line.tag(ORIGIN_TAG));

            // Her other IRC client's line appears as alice herself.
            String fromPhone = "from alice's phone " + Names.unique("m");
            try (IrcUserClient phone = irc.user(Names.unique("aphone")).sasl(aliceIrc, aliceAccount.password())
                    .connect()) {
                phone.join(lone);
                phone.privmsg(lone, fromPhone);
                assertEquals(alice.userId(), aliceClient.awaitMessage(portal, fromPhone, WAIT).sender());
            }

            // A second portal, which carol joins: a stranger in it, so it must never be tombstoned.
            aliceClient.sendText(dm, "portal " + NETWORK + " " + shared);
            String withCarol = portalRoom(awaitNotice(aliceClient, dm, vbBot.userId(),
                    " for " + shared + " on " + NETWORK));
            aliceClient.invite(withCarol, carol.userId());
            carolClient.join(withCarol);
            aliceClient.sendText(dm, "status");
            RoomEvent status = awaitNotice(aliceClient, dm, vbBot.userId(), "Portal rooms of this bridge");
            assertTrue(status.body().contains(lone + " on " + NETWORK + " = " + portal + ": bridged by this bridge"),
                    status.body());

            // Markers: everything so far has arrived, then count; nothing echoed back, nothing twice.
            String marker = "marker " + Names.unique("m");
            bob.privmsg(lone, marker);
            aliceClient.awaitMessage(portal, "<" + bob.nick() + "> " + marker, WAIT);
            assertEquals(1, count(aliceClient, portal, "<" + bob.nick() + "> " + fromBob));
            assertEquals(1, count(aliceClient, portal, fromPhone));
            assertEquals(0, count(aliceClient, portal, "<" + aliceIrc + "> " + fromAlice), "alice's line echoed");
            assertEquals(1, bob.received().stream().filter(m -> m.is("PRIVMSG") && fromAlice.equals(m.param(1)))
                    .count(), bob.received().toString());

            // A hosting bridge now bridges both channels, each to a room alice is in.
            AppserviceRegistration registration = homeserver.appservice(VisitingBridgeAppservices.PORTAL_ID);
            String hbBot = registration.senderUserId(homeserver.serverName());
            String hbRoom = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), hbBot, lone);
            String hbShared = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), hbBot, shared);
            BridgeConfig hbConfig = BridgeConfig.load(HostingBridgeAppservices.writeBridgeConfig(
                    dir.resolve("hb.yaml"), homeserver, registration, VisitingBridgeAppservices.PORTAL_BOT,
                    VisitingBridgeAppservices.PORTAL_GHOSTS, irc, NETWORK, HB_NICK, hbRoom, lone,
                    "  - {room: \"" + hbShared + "\", network: " + NETWORK + ", channel: \"" + shared + "\"}"));
            hb = HostingBridge.bridging(hbConfig).start();
            VisitingBridges.awaitTrusted(vb, 1, "the handshake with the hosting bridge");

            // The portal is retired: a tombstone pointing to the hosting bridge's room, then the bot leaves.
            RoomEvent tombstone = aliceClient.awaitEvent("a tombstone in the portal", e -> portal.equals(e.roomId())
                    && "m.room.tombstone".equals(e.type()), WAIT);
            assertEquals(vbBot.userId(), tombstone.sender());
            assertEquals(hbRoom, tombstone.content().path("replacement_room").asText());
            assertTrue(tombstone.content().path("body").asText().contains(lone), tombstone.content().toString());
            aliceClient.awaitEvent("the bot leaving the portal", e -> portal.equals(e.roomId())
                    && "m.room.member".equals(e.type()) && vbBot.userId().equals(e.stateKey())
                    && "leave".equals(e.content().path("membership").asText()), WAIT);
            awaitNotice(aliceClient, dm, vbBot.userId(), "Your portal room " + portal);

            // From now on the channel's messages flow in the hosting bridge's room only.
            String bobAfter = "bob after " + Names.unique("m");
            bob.privmsg(lone, bobAfter);
            String bobGhost = GhostIds.userId(hbConfig.ghosts(), NETWORK, bob.nick(), false);
            assertEquals(bobGhost, aliceClient.awaitMessage(hbRoom, bobAfter, WAIT).sender());
            String aliceAfter = "alice after " + Names.unique("m");
            String afterId = aliceClient.sendText(hbRoom, aliceAfter);
            IrcMessage afterLine = bob.awaitPrivmsg(lone, aliceAfter, WAIT);
            assertEquals(aliceIrc, afterLine.nick());
            assertEquals(afterId, afterLine.tag(ORIGIN_TAG));
            String ircMarker = "irc marker " + Names.unique("m");
            bob.privmsg(lone, ircMarker);
            aliceClient.awaitMessage(hbRoom, ircMarker, WAIT);
            assertFalse(aliceClient.seen().stream().anyMatch(e -> portal.equals(e.roomId())
                    && "m.room.message".equals(e.type()) && (e.body().contains(bobAfter)
                    || e.body().contains(ircMarker))), "the retired portal still relays");
            assertEquals(1, bob.received().stream().filter(m -> m.is("PRIVMSG") && aliceAfter.equals(m.param(1)))
                    .count(), bob.received().toString());

            // The portal with carol in it was not tombstoned, and still relays.
            String bobShared = "bob in the shared channel " + Names.unique("m");
            bob.privmsg(shared, bobShared);
            assertEquals(vbBot.userId(), aliceClient.awaitMessage(withCarol, "<" + bob.nick() + "> " + bobShared,
                    WAIT).sender());
            aliceClient.awaitMessage(hbShared, bobShared, WAIT);
            assertFalse(aliceClient.seen().stream().anyMatch(e -> withCarol.equals(e.roomId())
                    && "m.room.tombstone".equals(e.type())), "the portal with a stranger in it was tombstoned");

            // Asking again for a channel a known hosting bridge room bridges creates nothing.
            aliceClient.sendText(dm, "portal " + NETWORK + " " + lone);
            awaitNotice(aliceClient, dm, vbBot.userId(), "is bridged already by " + hbBot);

            // After a restart: the retirement is remembered (no second tombstone), the other portal still relays.
            vb.stop();
            int seenBefore = bob.received().size();
            String whileAway = "while the bridge was away " + Names.unique("m");
            String awayId = aliceClient.sendText(withCarol, whileAway);
            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            VisitingBridges.awaitTrusted(vb, 1, "trust resumed");
            awaitJoin(bob, aliceIrc, shared, seenBefore);
            assertEquals(awayId, bob.awaitPrivmsg(shared, whileAway, WAIT).tag(ORIGIN_TAG));
            String sharedAgain = "again in the shared channel " + Names.unique("m");
            bob.privmsg(shared, sharedAgain);
            aliceClient.awaitMessage(withCarol, "<" + bob.nick() + "> " + sharedAgain, WAIT);
            aliceClient.sendText(dm, "status");
            RoomEvent after = awaitNotice(aliceClient, dm, vbBot.userId(), "retired, " + lone + " is bridged in "
                    + hbRoom);
            assertTrue(after.body().contains(shared + " on " + NETWORK + " = " + withCarol + ": bridged by this bridge"),
                    after.body());
            assertEquals(1, aliceClient.seen().stream().filter(e -> portal.equals(e.roomId())
                    && "m.room.tombstone".equals(e.type())).count());
            assertEquals(1, bob.received().stream().filter(m -> m.is("PRIVMSG") && whileAway.equals(m.param(1)))
                    .count(), "alice's message from while the bridge was away, on IRC: " + bob.received());
        } finally {
            if (vb != null) {
                vb.stop();
            }
            if (hb != null) {
                hb.stop();
            }
        }
    }

    /** The portal's room id from the bot's "Created the portal room <id> for ..." notice. */
    private static String portalRoom(RoomEvent notice) {
        String body = notice.body();
        String rest = body.substring(body.indexOf("Created the portal room ") + "Created the portal room ".length());
        return rest.substring(0, rest.indexOf(' '));
    }

    /** Waits for {@code nick} to join {@code channel} among the lines {@code bob} received after the first {@code from}. */
    private static void awaitJoin(IrcUserClient bob, String nick, String channel, int from) throws InterruptedException {
        Instant end = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(end)) {
            List<IrcMessage> lines = bob.received();
            if (lines.subList(Math.min(from, lines.size()), lines.size()).stream().anyMatch(m -> m.is("JOIN")
                    && nick.equalsIgnoreCase(m.nick()) && channel.equalsIgnoreCase(m.param(0)))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(nick + " did not join " + channel + " again within " + WAIT);
    }

    private static long count(MatrixUserClient client, String room, String body) {
        return client.seen().stream().filter(e -> room.equals(e.roomId()) && "m.room.message".equals(e.type())
                && body.equals(e.body())).count();
    }
}
